using System.Net;

namespace Serverless.IntegrationTests;

/// <summary>Headers of every page and cookie attributes, with the server in Production (not Development).</summary>
public sealed class SecurityHeadersTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private string _clientId = null!;

    protected override Task<LocalServer> StartServerAsync() => LocalServer.StartAsync(environment: "Production");

    protected override async Task SetUpAsync()
    {
        _clientId = (await Server.AddPublicClientAsync(redirectUris: Redirect)).ClientId;
    }

    private string LoginUrl() => OAuthFlow.AuthorizeQuery(
        ("response_type", "code"), ("client_id", _clientId), ("redirect_uri", Redirect), ("scope", "read"),
        ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"));

    [Fact]
    public async Task EveryPage_SendsCspNosniffAndNoReferrer()
    {
        foreach (var path in new[] { "", LoginUrl(), "authorize?client_id=unknown" })
        {
            var response = await Flow.Http.GetAsync(path);

            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", csp);
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.DoesNotContain("unsafe-inline", csp);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        }
    }

    [Fact]
    public async Task OutsideDevelopment_TheCsrfCookieIsSecure_HostPrefixed_HttpOnly_Strict()
    {
        var response = await Flow.Http.GetAsync(LoginUrl());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("__Host-oauth_csrf=", cookie);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task JsonAnswers_SendNosniff_AndTokenBearingOnesNoStore()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var token = await Flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret));
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(token);
        var introspection = await Flow.PostFormAsync("introspect", [("token", accessToken)], (client.ClientId, secret));

        foreach (var response in new[] { token, introspection })
        {
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }

        var metadata = await Flow.Http.GetAsync(".well-known/oauth-authorization-server");
        Assert.Equal("nosniff", metadata.Headers.GetValues("X-Content-Type-Options").Single());
    }
}
