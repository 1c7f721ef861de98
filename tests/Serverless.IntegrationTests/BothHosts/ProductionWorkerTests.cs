using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// The Functions app's worker as deployed: in Production, behind a front end that speaks https (the emulator on
/// 127.0.0.1 with a throwaway certificate; the worker itself is reached over http, as in Azure). A browser-like client
/// (a cookie jar that keeps Secure cookies only over https) signs a user in end to end: every cookie the worker sets is
/// Secure and "__Host-" prefixed, and the flow works with them. The local host in Production is covered by
/// ProductionSessionCookieTests and SecurityHeadersTests.
/// </summary>
public sealed class ProductionWorkerTests : IAsyncLifetime
{
    private const string Redirect = "https://app.example.com/callback";

    private X509Certificate2 _certificate = null!;
    private FunctionsWorkerServer _server = null!;

    public async Task InitializeAsync()
    {
        _certificate = HttpsTestServer.CreateCertificate();
        _server = await FunctionsWorkerServer.StartAsync(environment: "Production", httpsCertificate: _certificate);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificate.Dispose();
    }

    [Fact]
    public async Task InProductionOverHttps_EveryCookieIsSecureAndHostPrefixed_AndTheSignInWorks()
    {
        Assert.Equal(Uri.UriSchemeHttps, _server.BaseAddress.Scheme);
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await _server.AddUserAsync();
        var cookies = new CookieContainer();
        var setCookies = new List<string>();
        using var http = new HttpClient(new Recording(setCookies, new HttpClientHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = cookies,
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == _certificate.GetCertHashString(),
        }))
        { BaseAddress = _server.BaseAddress };
        var flow = new OAuthFlow(http);
        var (verifier, challenge) = OAuthFlow.NewPkce();

        var code = await flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge, scope: "read");
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));

        // The login page's CSRF cookie and the sign-in session's cookie, as the worker wrote them and as the jar kept them.
        Assert.Contains(setCookies, c => c.StartsWith("__Host-oauth_csrf=", StringComparison.Ordinal));
        Assert.Contains(setCookies, c => c.StartsWith("__Host-oauth_session=", StringComparison.Ordinal));
        Assert.All(setCookies, c =>
        {
            Assert.StartsWith("__Host-", c, StringComparison.Ordinal);
            Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("; path=/", c, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("domain=", c, StringComparison.OrdinalIgnoreCase);
        });
        Assert.All(cookies.GetAllCookies(), c => Assert.True(c.Secure && c.Name.StartsWith("__Host-", StringComparison.Ordinal), c.Name));
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(http, accessToken, _server.Issuer, _server.Issuer + "/resource");
        Assert.Equal(user.Subject, jwt.Subject);
    }

    /// <summary>Keeps every Set-Cookie header the server sends (the cookie jar keeps only what it accepts).</summary>
    private sealed class Recording(List<string> setCookies, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var values))
            {
                setCookies.AddRange(values);
            }

            return response;
        }
    }
}
