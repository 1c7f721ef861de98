using System.Net;
using System.Text.Json;
using Serverless.OAuth.Http;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// The HTTP contract, asked of both hosts with the same requests: the local host and the Functions app's real worker
/// behind the host emulator. A route, status, header or body that differs between them fails here.
/// </summary>
public abstract class HttpContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/callback";

    private IOAuthTestServer Server => fixture.Server;

    private OAuthFlow NewFlow() => new(Server);

    [Fact]
    public async Task TheCodeFlow_WithPkceAndConsent_IssuesTokensTheResourceAccepts()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var flow = NewFlow();
        var (verifier, challenge) = OAuthFlow.NewPkce();

        var page = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read offline_access"),
            ("state", "s-1"), ("code_challenge", challenge), ("code_challenge_method", "S256")));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Test Public App", html);
        var redirect = await flow.PostLoginFormAsync(html, user.Username, LocalServer.Password);
        var parameters = OAuthFlow.RedirectParameters(redirect);
        Assert.StartsWith(Redirect + "?", redirect.Headers.Location!.ToString());
        Assert.Equal("s-1", parameters["state"]);
        Assert.Equal(Server.Issuer, parameters["iss"]);

        var token = await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", parameters["code"]), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]);
        var (accessToken, refreshToken, body) = await TokenSupport.ReadTokenResponseAsync(token);
        Assert.NotNull(refreshToken);
        Assert.Equal("read offline_access", body.GetProperty("scope").GetString());
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(flow.Http, accessToken, Server.Issuer, $"{Server.Issuer}/resource");
        Assert.Equal(user.Subject, jwt.Subject);

        var resource = await flow.GetResourceAsync(accessToken);
        Assert.Equal(HttpStatusCode.OK, resource.StatusCode);
        Assert.Equal(user.Subject, (await OAuthFlow.JsonAsync(resource)).GetProperty("sub").GetString());

        // The code is single-use: a second exchange fails.
        var replay = await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", parameters["code"]), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]);
        await OAuthFlow.AssertOAuthErrorAsync(replay, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Refresh_Rotates_AndReusingARotatedTokenRevokesTheFamily()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var flow = NewFlow();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge);
        var (_, first, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));

        var (_, second, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", first!), ("client_id", client.ClientId)]));
        Assert.NotEqual(first, second);

        // Past the grace window, presenting the rotated token again revokes the family, the newest token included.
        await Server.PassTimeAsync(TimeSpan.FromSeconds(6));
        await OAuthFlow.AssertOAuthErrorAsync(
            await flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", first!), ("client_id", client.ClientId)]),
            HttpStatusCode.BadRequest, "invalid_grant");
        await OAuthFlow.AssertOAuthErrorAsync(
            await flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", second!), ("client_id", client.ClientId)]),
            HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task ClientCredentials_IssuesATokenValidAgainstTheJwks()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var flow = NewFlow();

        var (accessToken, refreshToken, body) = await TokenSupport.ReadTokenResponseAsync(
            await flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read")], (client.ClientId, secret)));

        Assert.Null(refreshToken);
        Assert.Equal("read", body.GetProperty("scope").GetString());
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(flow.Http, accessToken, Server.Issuer, $"{Server.Issuer}/resource");
        Assert.Equal(client.ClientId, jwt.GetClaim("client_id").Value);

        var wrongSecret = await flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret + "x"));
        await OAuthFlow.AssertOAuthErrorAsync(wrongSecret, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.StartsWith("Basic", wrongSecret.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task ResourceIndicators_SelectTheAudience_AndAnUnknownOneIsInvalidTarget()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var flow = NewFlow();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var demo = $"{Server.Issuer}/resource";

        var refused = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"), ("code_challenge", challenge),
            ("code_challenge_method", "S256"), ("resource", "https://unknown.example.com/api")));
        Assert.Equal("invalid_target", OAuthFlow.RedirectParameters(refused)["error"]);

        var code = OAuthFlow.RedirectParameters(await flow.SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
                ("code_challenge", challenge), ("code_challenge_method", "S256"), ("resource", demo)),
            user.Username,
            LocalServer.Password))["code"];
        (string, string)[] exchange =
        [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier),
        ];
        await OAuthFlow.AssertOAuthErrorAsync(await flow.PostTokenAsync([.. exchange, ("resource", demo), ("resource", demo)]), HttpStatusCode.BadRequest, "invalid_target");
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync([.. exchange, ("resource", demo)]));

        Assert.Equal([demo], (await TokenSupport.ValidateAgainstJwksAsync(flow.Http, accessToken, Server.Issuer, demo)).Audiences);
        Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(accessToken)).StatusCode);
    }

    [Fact]
    public async Task TheDemoResource_PublishesItsMetadata_AndItsChallengesPointThere()
    {
        var flow = NewFlow();
        var metadataUrl = $"{Server.Issuer}/.well-known/oauth-protected-resource/resource";

        var response = await flow.Http.GetAsync(".well-known/oauth-protected-resource/resource");
        var metadata = await OAuthFlow.JsonAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{Server.Issuer}/resource", metadata.GetProperty("resource").GetString());
        Assert.Equal([Server.Issuer], metadata.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["read", "write"], metadata.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["header"], metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(e => e.GetString()));

        var bare = await flow.GetResourceAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
        // RFC 9449 §7.1: a DPoP challenge with the accepted algorithms beside the Bearer one.
        Assert.Equal(
            $"Bearer realm=\"{Server.Issuer}/resource\", resource_metadata=\"{metadataUrl}\", DPoP realm=\"{Server.Issuer}/resource\", algs=\"{string.Join(' ', Serverless.OAuth.Endpoints.Dpop.DpopProofValidator.Algorithms)}\"",
            string.Join(", ", bare.Headers.WwwAuthenticate.Select(h => h.ToString())));

        var (client, secret) = await Server.AddConfidentialClientAsync(scopes: ["write"]);
        var (writeOnly, _, _) = await TokenSupport.ReadTokenResponseAsync(
            await flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret)));
        var insufficient = await flow.GetResourceAsync(writeOnly);
        Assert.Equal(HttpStatusCode.Forbidden, insufficient.StatusCode);
        var challenge = insufficient.Headers.WwwAuthenticate.ToString();
        Assert.Contains("error=\"insufficient_scope\"", challenge);
        Assert.Contains(", scope=\"read\", resource_metadata=\"" + metadataUrl + "\"", challenge);
    }

    [Fact]
    public async Task Revoke_ThenIntrospect_SaysInactive()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var flow = NewFlow();
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(
            await flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read")], (client.ClientId, secret)));

        var active = await OAuthFlow.JsonAsync(await flow.PostFormAsync("introspect", [("token", accessToken)], (client.ClientId, secret)));
        Assert.True(active.GetProperty("active").GetBoolean());
        Assert.Equal(client.ClientId, active.GetProperty("client_id").GetString());

        var revoke = await flow.PostFormAsync("revoke", [("token", accessToken)], (client.ClientId, secret));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var introspection = await flow.PostFormAsync("introspect", [("token", accessToken)], (client.ClientId, secret));
        Assert.Equal("no-store", introspection.Headers.CacheControl?.ToString());
        Assert.False((await OAuthFlow.JsonAsync(introspection)).GetProperty("active").GetBoolean());
        var resource = await flow.GetResourceAsync(accessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, resource.StatusCode);
        Assert.Contains("error=\"invalid_token\"", resource.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Metadata_NamesThisIssuer_AtBothAddresses()
    {
        var http = Server.NewHttpClient();

        var metadata = await http.GetAsync(".well-known/oauth-authorization-server");
        var openid = await http.GetStringAsync(".well-known/openid-configuration");

        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);
        Assert.Equal("application/json", metadata.Content.Headers.ContentType?.MediaType);
        foreach (var text in new[] { await metadata.Content.ReadAsStringAsync(), openid })
        {
            var document = JsonDocument.Parse(text).RootElement;
            Assert.Equal(Server.Issuer, document.GetProperty("issuer").GetString());
            Assert.Equal($"{Server.Issuer}/token", document.GetProperty("token_endpoint").GetString());
            Assert.Equal($"{Server.Issuer}/.well-known/jwks.json", document.GetProperty("jwks_uri").GetString());
        }
    }

    [Fact]
    public async Task Jwks_PublishesOnlyPublicSigningKeys()
    {
        var jwks = JsonDocument.Parse(await Server.NewHttpClient().GetStringAsync(".well-known/jwks.json")).RootElement;

        // One key per algorithm: ES256 for access tokens, RS256 for ID tokens by default.
        var keys = jwks.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["ES256", "RS256"], keys.Select(k => k.GetProperty("alg").GetString()).Order(StringComparer.Ordinal));
        foreach (var key in keys)
        {
            Assert.Equal("sig", key.GetProperty("use").GetString());
            Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
            Assert.False(key.TryGetProperty("d", out _), "A JWKS must never carry the private key.");
        }
    }

    [Fact]
    public async Task AnUnknownClient_GetsTheErrorPage_NeverARedirect()
    {
        var response = await Server.NewHttpClient().GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", "nobody"), ("redirect_uri", Redirect), ("code_challenge", OAuthFlow.NewPkce().Challenge),
            ("code_challenge_method", "S256")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("invalid_client", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ABadTokenRequest_IsAnOAuthError_NotCached()
    {
        var response = await NewFlow().PostTokenAsync([("grant_type", "password"), ("client_id", "x")]);

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "unsupported_grant_type");
    }

    [Fact]
    public async Task TheLoginPage_SendsTheSecurityHeaders_AndAStrictHttpOnlyCsrfCookie()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);

        var response = await Server.NewHttpClient().GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("demo", "text/html")]
    [InlineData("demo/callback", "text/html")]
    [InlineData("demo/app.js", "text/javascript")]
    [InlineData("demo/app.css", "text/css")]
    [InlineData("", "text/html")]
    public async Task ThePages_AreServedWithTheirTypes(string path, string mediaType)
    {
        var response = await Server.NewHttpClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.NotEmpty(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every route of the contract is served with its method, and answers something other than a server error.</summary>
    [Theory]
    [MemberData(nameof(ContractRoutes.MethodsAndRoutes), MemberType = typeof(ContractRoutes))]
    public async Task EveryContractRoute_IsServedWithItsMethod(string method, string route)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), route);
        if (method == "POST")
        {
            request.Content = new FormUrlEncodedContent([]);
        }

        var response = await Server.NewHttpClient().SendAsync(request);

        // /register is off by default, and then answers 404 itself (its JSON error is the handlers' answer, not the host's).
        if (route != "register")
        {
            Assert.NotEqual(HttpStatusCode.NotFound, response.StatusCode);
        }
        else
        {
            await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.NotFound, "invalid_request");
        }

        Assert.NotEqual(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.True((int)response.StatusCode < 500, $"{method} /{route} answered {(int)response.StatusCode}");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    /// <summary>
    /// Another method on a contract route reaches no handler. The local host (ASP.NET Core routing) answers 405; the
    /// Functions host matches methods as a route constraint and answers 404. Either way, nothing runs.
    /// </summary>
    [Theory]
    [InlineData("DELETE", "token")]
    [InlineData("GET", "token")]
    [InlineData("PUT", "authorize")]
    [InlineData("POST", ".well-known/jwks.json")]
    public async Task AnotherMethod_OnAContractRoute_ReachesNoHandler(string method, string route)
    {
        var response = await Server.NewHttpClient().SendAsync(new HttpRequestMessage(new HttpMethod(method), route));

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
    }

    [Theory]
    [InlineData("nothing-here")]
    [InlineData("api/token")]
    [InlineData(".well-known/unknown")]
    public async Task AnUnknownPath_Is404(string path)
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Server.NewHttpClient().GetAsync(path)).StatusCode);
    }
}

public sealed class LocalHostHttpContractTests(LocalHostFixture fixture) : HttpContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerHttpContractTests(FunctionsWorkerFixture fixture) : HttpContractTests<FunctionsWorkerFixture>(fixture);
