using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Serverless.OAuth.Clients.Assertions;

/// <summary>
/// The discovery documents and keys of the external issuers the operator trusts (workload identity federation, the
/// JWT-bearer grant): one Microsoft.IdentityModel <see cref="ConfigurationManager{T}"/> per issuer, which caches the
/// configuration and its JWKS, refreshes them on its schedule and, asked by the token handler, when a token names a
/// key it does not know. Discovery is https only; the issuers are set by the operator, not by a request.
/// </summary>
public sealed class TrustedIssuers : IDisposable
{
    private readonly ConcurrentDictionary<string, ConfigurationManager<OpenIdConnectConfiguration>> _managers = new(StringComparer.Ordinal);
    private readonly HttpClient _http;

    public TrustedIssuers()
        : this(certificateValidation: null)
    {
    }

    /// <param name="certificateValidation">Replaces the platform's certificate validation: for tests whose issuer has a
    /// certificate of its own. Internal, like the metadata document fetcher's, so that nothing registered in the
    /// services (a RemoteCertificateValidationCallback a library or host adds) can ever reach this TLS.</param>
    internal TrustedIssuers(RemoteCertificateValidationCallback? certificateValidation)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (certificateValidation is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = certificateValidation;
        }

        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The configuration source of <paramref name="issuer"/> (an https URL): its OpenID Connect discovery document.</summary>
    public ConfigurationManager<OpenIdConnectConfiguration> For(string issuer) =>
        _managers.GetOrAdd(issuer, i => new ConfigurationManager<OpenIdConnectConfiguration>(
            i.TrimEnd('/') + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(_http) { RequireHttps = true }));

    public void Dispose() => _http.Dispose();
}
