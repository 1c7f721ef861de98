using System.Net;
using System.Text.Json;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// What MCP clients do that other clients do not, asked of both hosts, with an MCP server at an origin (the demo API's
/// identifier set to <see cref="Origin"/>): they spell its identifier as <c>new URL(x).href</c> does, or in upper case,
/// or with the default port (RFC 3986 §6.2.2-6.2.3: one resource, and tokens carry the registered spelling); they
/// register the refresh_token grant without asking offline_access; and they check "iss" on every authorization
/// response (RFC 9207), errors included.
/// </summary>
public abstract class McpClientContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    public const string Origin = "https://mcp.example.com";
    private const string Redirect = "http://127.0.0.1:9/callback";

    private IOAuthTestServer Server => fixture.Server;

    private static string Authorize(string clientId, string challenge, string scope, string? resource) => OAuthFlow.AuthorizeQuery(
        ("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect), ("scope", scope), ("state", "s"),
        ("code_challenge", challenge), ("code_challenge_method", "S256"), ("resource", resource));

    public static TheoryData<string> EquivalentSpellings() =>
        [Origin, Origin + "/", "HTTPS://MCP.EXAMPLE.COM", Origin + ":443", "HTTPS://Mcp.Example.com:443/"];

    [Theory]
    [MemberData(nameof(EquivalentSpellings))]
    public async Task AnOriginApi_IsNamedByEveryEquivalentSpelling_AndItsTokensCarryTheRegisteredOne(string spelling)
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        var (verifier, challenge) = OAuthFlow.NewPkce();

        var redirect = await flow.SignInAsync(Authorize(client.ClientId, challenge, "read offline_access", spelling), user.Username, LocalServer.Password);
        var code = OAuthFlow.RedirectParameters(redirect)["code"];
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier), ("resource", spelling)]));
        Assert.Equal([Origin], (await TokenSupport.ValidateAgainstJwksAsync(flow.Http, accessToken, Server.Issuer, Origin)).Audiences);

        var (refreshed, _, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", client.ClientId), ("resource", spelling)]));
        Assert.Equal([Origin], (await TokenSupport.ValidateAgainstJwksAsync(flow.Http, refreshed, Server.Issuer, Origin)).Audiences);
    }

    public static TheoryData<string> OtherResources() =>
        [Origin + "/mcp", "http://mcp.example.com", Origin + ":8443", "https://mcp.example.com.", "https://www.mcp.example.com"];

    [Theory]
    [MemberData(nameof(OtherResources))]
    public async Task ASpellingOfAnotherResource_IsInvalidTarget_AtAuthorizeAndToken(string other)
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        var (verifier, challenge) = OAuthFlow.NewPkce();

        var refused = OAuthFlow.RedirectParameters(await flow.Http.GetAsync(Authorize(client.ClientId, challenge, "read", other)));
        Assert.Equal("invalid_target", refused["error"]);
        Assert.Equal(Server.Issuer, refused["iss"]);

        var code = OAuthFlow.RedirectParameters(await flow.SignInAsync(Authorize(client.ClientId, challenge, "read", Origin), user.Username, LocalServer.Password))["code"];
        await OAuthFlow.AssertOAuthErrorAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier), ("resource", other)]),
            HttpStatusCode.BadRequest,
            "invalid_target");
    }

    private async Task<string> RegisterAsync(string grantTypes)
    {
        var response = await RegistrationContractTests<TFixture>.RegisterAsync(Server.NewHttpClient(), $$"""
            {"redirect_uris": ["{{Redirect}}"], "token_endpoint_auth_method": "none", "grant_types": {{grantTypes}}, "client_name": "An MCP client"}
            """);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await OAuthFlow.JsonAsync(response)).GetProperty("client_id").GetString()!;
    }

    private async Task<(string Page, string? RefreshToken)> SignInForAsync(string clientId, string scope)
    {
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var page = await flow.ConsentPageAsync(Authorize(clientId, challenge, scope, Origin + "/"), user.Username);
        var redirect = await flow.PostConsentAsync(page);
        var code = OAuthFlow.RedirectParameters(redirect)["code"];
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", clientId), ("code_verifier", verifier)]));
        return (page, refreshToken);
    }

    [Fact]
    public async Task AClientThatRegisteredTheRefreshGrant_StaysSignedInWithoutOfflineAccess_AndThePageSaysSo()
    {
        var clientId = await RegisterAsync("""["authorization_code", "refresh_token"]""");

        var (page, refreshToken) = await SignInForAsync(clientId, "read");

        Assert.Contains("Stay signed in", page);
        Assert.DoesNotContain("will not stay signed in", page);
        Assert.NotNull(refreshToken);
        var refreshed = await new OAuthFlow(Server).PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", clientId)]);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
    }

    [Fact]
    public async Task AClientWithoutTheRefreshGrant_OrAnOpenIdConnectRequestWithoutOfflineAccess_GetsNoRefreshToken()
    {
        var withoutGrant = await RegisterAsync("""["authorization_code"]""");
        var (page, refreshToken) = await SignInForAsync(withoutGrant, "read");
        Assert.Contains("will not stay signed in", page);
        Assert.Null(refreshToken);

        // OpenID Connect Core §11: an OpenID Connect request asks for offline access with offline_access, or has none.
        var withGrant = await RegisterAsync("""["authorization_code", "refresh_token"]""");
        var (oidcPage, oidcRefreshToken) = await SignInForAsync(withGrant, "openid read");
        Assert.Contains("will not stay signed in", oidcPage);
        Assert.Null(oidcRefreshToken);
        Assert.NotNull((await SignInForAsync(withGrant, "openid read offline_access")).RefreshToken);
    }

    [Fact]
    public async Task TheMetadata_PromisesIss_AndADeniedRequestsErrorRedirectCarriesIt()
    {
        var http = Server.NewHttpClient();
        foreach (var path in new[] { ".well-known/oauth-authorization-server", ".well-known/openid-configuration" })
        {
            Assert.True((await OAuthFlow.JsonAsync(await http.GetAsync(path))).GetProperty("authorization_response_iss_parameter_supported").GetBoolean(), path);
        }

        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        var denied = OAuthFlow.RedirectParameters(await flow.SignInAsync(
            Authorize(client.ClientId, OAuthFlow.NewPkce().Challenge, "read", null), user.Username, LocalServer.Password, decision: "deny"));
        Assert.Equal("access_denied", denied["error"]);
        Assert.Equal("s", denied["state"]);
        Assert.Equal(Server.Issuer, denied["iss"]);
    }
}

public static class OriginApiSettings
{
    /// <summary>The demo API at an origin, as an MCP server often is; dynamic registration on.</summary>
    public static Dictionary<string, string?> Settings => new(DynamicRegistrationSettings.Enabled) { ["OAuth:Audience"] = McpClientContractTests<LocalHostFixture>.Origin };
}

public sealed class OriginApiLocalHostFixture()
    : ServerFixture(async () => await LocalServer.StartAsync(OriginApiSettings.Settings, clock: ManualClock.Running()));

public sealed class OriginApiFunctionsWorkerFixture()
    : ServerFixture(async () => await FunctionsWorkerServer.StartAsync(OriginApiSettings.Settings));

public sealed class LocalHostMcpClientTests(OriginApiLocalHostFixture fixture) : McpClientContractTests<OriginApiLocalHostFixture>(fixture);

public sealed class FunctionsWorkerMcpClientTests(OriginApiFunctionsWorkerFixture fixture) : McpClientContractTests<OriginApiFunctionsWorkerFixture>(fixture);
