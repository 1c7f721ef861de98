using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Serverless.IntegrationTests;

/// <summary>
/// A workload identity issuer this project did not write: oidc-provider from npm, run by node over HTTPS on 127.0.0.1
/// with a throwaway certificate (Node/oidc-provider-issuer.mjs). It issues JWT access tokens by client credentials for
/// the audience a test names (RFC 8707 resource), as Entra ID or GitHub Actions issue tokens to workloads.
/// </summary>
public sealed class WorkloadIssuer : IAsyncDisposable
{
    public const string WorkloadId = "workload";
    public const string OtherWorkloadId = "other-workload";
    private const string Secret = "workload-issuer-test-secret";

    private readonly Process _process;
    private readonly string _keyFile;
    private readonly HttpClient _http;

    private WorkloadIssuer(Process process, string issuer, string certificateFile, string keyFile, X509Certificate2 certificate)
    {
        _process = process;
        Issuer = issuer;
        CertificateFile = certificateFile;
        _keyFile = keyFile;
        Certificate = certificate;
        _http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = TrustsThisCertificate } });
    }

    /// <summary>https://127.0.0.1:{port}, as its discovery document says.</summary>
    public string Issuer { get; }

    /// <summary>Its certificate as PEM: SSL_CERT_FILE for a worker process that must trust it.</summary>
    public string CertificateFile { get; }

    public X509Certificate2 Certificate { get; }

    public RemoteCertificateValidationCallback TrustsThisCertificate =>
        (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == Certificate.GetCertHashString();

    public static async Task<WorkloadIssuer> StartAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(2));
        var stem = Path.Combine(Path.GetTempPath(), "workload-issuer-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(stem + ".pem", certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(stem + ".key", key.ExportPkcs8PrivateKeyPem());

        var start = new ProcessStartInfo("node", [Path.Combine(NodeScript.Folder, "oidc-provider-issuer.mjs")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = NodeScript.Folder,
        };
        start.Environment["NODE_ENV"] = "test";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(new
        {
            certFile = stem + ".pem",
            keyFile = stem + ".key",
            clients = new[] { new { client_id = WorkloadId, client_secret = Secret }, new { client_id = OtherWorkloadId, client_secret = Secret } },
        }));
        process.StandardInput.Close();
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => errors.AppendLine(e.Data);
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null)
        {
            throw new InvalidOperationException("oidc-provider did not start: " + errors);
        }

        var issuer = JsonDocument.Parse(line).RootElement.GetProperty("issuer").GetString()!;
        return new WorkloadIssuer(process, issuer, stem + ".pem", stem + ".key", X509CertificateLoader.LoadCertificate(certificate.Export(X509ContentType.Cert)));
    }

    /// <summary>A JWT access token of this issuer for <paramref name="workload"/>, with <paramref name="audience"/> as its aud.</summary>
    public async Task<string> TokenAsync(string audience, string workload = WorkloadId, string scope = "workload")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Issuer + "/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["resource"] = audience, ["scope"] = scope }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(workload + ":" + Secret)));
        var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, "oidc-provider refused: " + body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Certificate.Dispose();
        File.Delete(CertificateFile);
        File.Delete(_keyFile);
    }
}
