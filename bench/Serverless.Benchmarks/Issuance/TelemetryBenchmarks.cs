using BenchmarkDotNet.Attributes;

namespace Serverless.Benchmarks.Issuance;

/// <summary>
/// What the server's telemetry costs on the token path: the whole POST /token response for client_credentials with
/// nobody listening to the server's meter and spans (the instruments are off), and with the OpenTelemetry SDK
/// collecting every span and measurement and handing them to an exporter (a batch processor and a periodic metric
/// reader, as the Functions app and the local host configure them; the exporter itself discards, so the figure is the
/// server's cost, not a network's).
/// </summary>
[MemoryDiagnoser]
public class TelemetryBenchmarks
{
    private InProcessTokenServer _server = null!;
    private CollectedTelemetry? _telemetry;

    [Params("ES256")]
    public string Algorithm { get; set; } = "ES256";

    [Params("none", "OpenTelemetry")]
    public string Telemetry { get; set; } = "none";

    [GlobalSetup]
    public void Setup()
    {
        _server = new InProcessTokenServer(Algorithm);
        if (Telemetry == "OpenTelemetry")
        {
            _telemetry = new CollectedTelemetry();
        }

        if (FullTokenResponse() != 200)
        {
            throw new InvalidOperationException("The token endpoint did not answer 200.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _telemetry?.Dispose();
        _server.Dispose();
    }

    [Benchmark(Description = "full token response (POST /token path)")]
    public int FullTokenResponse() => _server.IssueAsync(Stream.Null).GetAwaiter().GetResult();
}
