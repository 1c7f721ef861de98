using System.IO.Compression;
using System.Net;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Testing.Telemetry;

/// <summary>
/// Stands in for Application Insights' ingestion endpoint behind the Azure Monitor exporter: its transport (the
/// exporter's options are Azure.Core ClientOptions) is an HttpClient whose handler keeps every envelope the exporter
/// sends (newline-delimited JSON, gunzipped when sent gzipped) and accepts them all. What tests read to see which
/// telemetry left the process, and what the bench counts to measure the bytes exported per token. The exporter's own
/// health telemetry (Statsbeat) is kept apart.
/// </summary>
public sealed class IngestionCapture : HttpMessageHandler
{
    /// <summary>A connection string of the right shape pointing at nothing real; the transport never leaves the process.</summary>
    public const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://ingestion.invalid/";

    private readonly List<string> _items = [];

    public HttpPipelineTransport Transport => new HttpClientTransport(new HttpClient(this));

    /// <summary>A credential that hands out a token without asking anyone (the exporter asks for one per send).</summary>
    public static TokenCredential Credential { get; } = new StaticCredential();

    /// <summary>Every telemetry item received (one JSON envelope each), the exporter's Statsbeat left out.</summary>
    public IReadOnlyList<string> Items
    {
        get
        {
            lock (_items)
            {
                return [.. _items];
            }
        }
    }

    /// <summary>The items' size as JSON text (UTF-8), which is what Log Analytics bills as ingested data, roughly.</summary>
    public long Bytes => Items.Sum(i => (long)Encoding.UTF8.GetByteCount(i));

    public int Count(string telemetryName) => Items.Count(i => i.Contains($"\"name\":\"{telemetryName}\"", StringComparison.Ordinal));

    public void Clear()
    {
        lock (_items)
        {
            _items.Clear();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var received = 0;
        if (request.Content is not null)
        {
            var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            var gzipped = request.Content.Headers.ContentEncoding.Contains("gzip") || (body.Length > 2 && body[0] == 0x1f && body[1] == 0x8b);
            var text = gzipped ? await GunzipAsync(body) : Encoding.UTF8.GetString(body);
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                received++;
                if (line.Contains("Statsbeat", StringComparison.Ordinal))
                {
                    continue;
                }

                lock (_items)
                {
                    _items.Add(line);
                }
            }
        }

        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent($"{{\"itemsReceived\":{received},\"itemsAccepted\":{received},\"errors\":[]}}", Encoding.UTF8, "application/json"),
        };
    }

    private static async Task<string> GunzipAsync(byte[] body)
    {
        await using var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private sealed class StaticCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("capture-token", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
