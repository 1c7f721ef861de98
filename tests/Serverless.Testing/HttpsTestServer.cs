using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.Testing;

/// <summary>
/// An HTTPS server on a free 127.0.0.1 port with a certificate made for it (what a client's site is to the server:
/// Client ID Metadata Documents, an MCP client's pages). Each path answers with whatever the test sets; the server
/// under test trusts exactly this certificate through <see cref="TrustsThisCertificate"/>.
/// </summary>
public sealed class HttpsTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, RequestDelegate> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);

    private HttpsTestServer(WebApplication app, Uri baseAddress, X509Certificate2 certificate)
    {
        _app = app;
        BaseAddress = baseAddress;
        Certificate = certificate;
    }

    /// <summary>https://127.0.0.1:{port}/</summary>
    public Uri BaseAddress { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// A PEM file of <see cref="Certificate"/>, for a child process to trust it: on Linux .NET reads its trusted roots
    /// where OpenSSL does, so a process started with SSL_CERT_FILE naming this file trusts this server.
    /// </summary>
    public string CertificateFile { get; } = Path.Combine(Path.GetTempPath(), "https-test-" + Guid.NewGuid().ToString("N") + ".pem");

    /// <summary>A certificate check that accepts this server's certificate and nothing else.</summary>
    public RemoteCertificateValidationCallback TrustsThisCertificate =>
        (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == Certificate.GetCertHashString();

    /// <summary>
    /// Makes the server's Client ID Metadata Document fetcher trust exactly this certificate, through the fetcher's
    /// internal constructor: the fetcher takes no certificate check from the services, so this is the only way in.
    /// </summary>
    public void TrustFromTheFetcher(IServiceCollection services) => TrustFromTheFetcher(services, TrustsThisCertificate);

    /// <summary>
    /// Makes the server's two outbound TLS clients (the metadata document and jwks_uri fetcher, and the trusted issuers'
    /// discovery) trust <paramref name="certificateValidation"/>, through their internal constructors: neither takes a
    /// certificate check from the services.
    /// </summary>
    public static void TrustFromTheFetcher(IServiceCollection services, RemoteCertificateValidationCallback certificateValidation)
    {
        services.AddSingleton(sp => new MetadataDocumentFetcher(sp.GetRequiredService<OAuthServerOptions>(), certificateValidation));
        services.AddSingleton(_ => new Serverless.OAuth.Clients.Assertions.TrustedIssuers(certificateValidation));
    }

    public static async Task<HttpsTestServer> StartAsync()
    {
        var certificate = CreateCertificate();
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        var server = new HttpsTestServer(app, new Uri($"https://127.0.0.1:{port}/"), certificate);
        await File.WriteAllTextAsync(server.CertificateFile, certificate.ExportCertificatePem());
        app.Run(context =>
        {
            var path = context.Request.Path.Value ?? "/";
            server._requests.AddOrUpdate(path, 1, (_, n) => n + 1);
            return server._answers.TryGetValue(path, out var answer) ? answer(context) : NotFound(context);
        });
        await app.StartAsync();
        return server;
    }

    /// <summary>The absolute URL of a path on this server.</summary>
    public string Url(string path) => new Uri(BaseAddress, path).AbsoluteUri;

    /// <summary>Sets how <paramref name="path"/> answers.</summary>
    public void Answer(string path, RequestDelegate answer) => _answers[path] = answer;

    /// <summary>Answers <paramref name="path"/> with a body of the given type and optional headers.</summary>
    public void Serve(string path, string body, string contentType = "application/json", params (string Name, string Value)[] headers) =>
        Answer(path, async context =>
        {
            foreach (var (name, value) in headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body);
        });

    /// <summary>How many requests reached <paramref name="path"/>.</summary>
    public int RequestsTo(string path) => _requests.GetValueOrDefault(path);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
        File.Delete(CertificateFile);
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <summary>A throwaway certificate for 127.0.0.1, valid for two hours.</summary>
    public static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(2));
        // Through PKCS#12, so the key is one TLS can use on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
