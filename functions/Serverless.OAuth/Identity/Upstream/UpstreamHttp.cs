using System.Net;

namespace Serverless.OAuth.Identity.Upstream;

/// <summary>
/// The one HTTP client for every upstream provider (discovery, keys, token endpoint): short timeouts, because a user is
/// waiting, and no redirects followed (a provider's endpoints are where its metadata says).
/// </summary>
public sealed class UpstreamHttp : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public UpstreamHttp()
        : this(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5), AutomaticDecompression = DecompressionMethods.All })
    {
    }

    /// <summary>For a test that must reach a provider through its own handler (a certificate it trusts).</summary>
    public UpstreamHttp(HttpMessageHandler handler) => Client = new HttpClient(handler) { Timeout = Timeout };

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
