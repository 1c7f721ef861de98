using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// RFC 7591 dynamic client registration, asked of both hosts: a client that registers itself signs a user in and
/// refreshes; a confidential one gets its secret once; every bad registration gets its precise error and stores nothing.
/// </summary>
public abstract class RegistrationContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private IOAuthTestServer Server => fixture.Server;

    public static Task<HttpResponseMessage> RegisterAsync(HttpClient http, string json) =>
        http.PostAsync("register", new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task APublicClient_RegistersItself_SignsAUserIn_AndRefreshes()
    {
        var flow = new OAuthFlow(Server);
        var user = await Server.AddUserAsync();
        var metadata = await OAuthFlow.JsonAsync(await flow.Http.GetAsync(".well-known/oauth-authorization-server"));
        Assert.Equal(Server.Issuer + "/register", metadata.GetProperty("registration_endpoint").GetString());

        var response = await RegisterAsync(flow.Http, """
            {"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none", "grant_types": ["authorization_code", "refresh_token"],
             "response_types": ["code"], "client_name": "Self-registered tool", "scope": "read offline_access", "unknown_field": {"ignored": true}}
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var registered = await OAuthFlow.JsonAsync(response);
        var clientId = registered.GetProperty("client_id").GetString()!;
        Assert.False(registered.TryGetProperty("client_secret", out _));
        Assert.Equal("none", registered.GetProperty("token_endpoint_auth_method").GetString());
        Assert.Equal("Self-registered tool", registered.GetProperty("client_name").GetString());
        Assert.Equal("read offline_access", registered.GetProperty("scope").GetString());
        Assert.Equal(["http://127.0.0.1/callback"], registered.GetProperty("redirect_uris").EnumerateArray().Select(e => e.GetString()));

        // RFC 8252 §7.3: the loopback redirect registered without a port is used with the port the app listens on.
        const string Listening = "http://127.0.0.1:49152/callback";
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(clientId, Listening, user.Username, challenge, scope: "read offline_access");
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Listening), ("client_id", clientId), ("code_verifier", verifier)]));
        Assert.NotNull(refreshToken);
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", clientId)]));
        Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(accessToken)).StatusCode);
    }

    [Fact]
    public async Task AClientThatRegistersRequirePushedAuthorizationRequests_IsRefusedAPlainAuthorizeRequest()
    {
        var flow = new OAuthFlow(Server);
        var response = await RegisterAsync(flow.Http, """
            {"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none", "client_name": "Pushing tool", "scope": "read",
             "require_pushed_authorization_requests": true}
            """);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var registered = await OAuthFlow.JsonAsync(response);
        Assert.True(registered.GetProperty("require_pushed_authorization_requests").GetBoolean());

        // RFC 9126 §6: a plain request is refused, to the verified redirect URI; the same request pushed goes on.
        (string Name, string? Value)[] request =
        [
            ("response_type", "code"), ("client_id", registered.GetProperty("client_id").GetString()), ("redirect_uri", "http://127.0.0.1/callback"),
            ("scope", "read"), ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"),
        ];
        Assert.Equal("invalid_request", OAuthFlow.RedirectParameters(await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(request)))["error"]);
        var pushed = await flow.PostFormAsync("par", request.Select(p => (p.Name, p.Value!)));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        var page = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(request[1], ("request_uri", (await OAuthFlow.JsonAsync(pushed)).GetProperty("request_uri").GetString())));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);

        await OAuthFlow.AssertOAuthErrorAsync(
            await RegisterAsync(flow.Http, """{"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none", "require_pushed_authorization_requests": "yes"}"""),
            HttpStatusCode.BadRequest,
            "invalid_client_metadata");
    }

    [Fact]
    public async Task ANonAsciiRedirectUri_IsRefused_WithInvalidRedirectUri()
    {
        var response = await RegisterAsync(Server.NewHttpClient(), """
            {"redirect_uris": ["http://127.0.0.1/c\u00e4llback"], "token_endpoint_auth_method": "none", "client_name": "Umlaut tool"}
            """);

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_redirect_uri");
    }

    [Fact]
    public async Task AConfidentialClient_GetsItsSecretOnce_StoredOnlyAsAHash_AndAuthenticatesWithIt()
    {
        var flow = new OAuthFlow(Server);
        var user = await Server.AddUserAsync();

        var registered = await OAuthFlow.JsonAsync(await RegisterAsync(flow.Http, """
            {"redirect_uris": ["https://tool.example/callback"], "token_endpoint_auth_method": "client_secret_post"}
            """));

        var clientId = registered.GetProperty("client_id").GetString()!;
        var secret = registered.GetProperty("client_secret").GetString()!;
        Assert.Equal(0, registered.GetProperty("client_secret_expires_at").GetInt64());
        Assert.Equal("tool.example", registered.GetProperty("client_name").GetString());
        var stored = await Server.Services.GetRequiredService<IClientStore>().FindAsync(clientId);
        Assert.Equal(ClientType.Confidential, stored!.Type);
        Assert.DoesNotContain(secret, stored.SecretHash);
        Assert.NotNull(stored.ExpiresAt);

        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(clientId, "https://tool.example/callback", user.Username, challenge, scope: "read");
        (string, string)[] exchange = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "https://tool.example/callback"), ("code_verifier", verifier)];

        // It registered client_secret_post: the right secret sent another way is refused (RFC 7591 §2), and the code stays usable.
        var basic = await flow.PostTokenAsync(exchange, (clientId, secret));
        await OAuthFlow.AssertOAuthErrorAsync(basic, HttpStatusCode.Unauthorized, "invalid_client");
        var token = await flow.PostTokenAsync([.. exchange, ("client_id", clientId), ("client_secret", secret)]);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [Fact]
    public async Task ASelfRegisteredClient_KeepsItsPostLogoutRedirectUris_AndTheConsentPageSaysItRegisteredItself()
    {
        var flow = new OAuthFlow(Server);
        var registered = await OAuthFlow.JsonAsync(await RegisterAsync(flow.Http, """
            {"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none", "client_name": "Helpful Tool",
             "post_logout_redirect_uris": ["https://tool.example/signed-out"]}
            """));
        var clientId = registered.GetProperty("client_id").GetString()!;
        Assert.Equal(["https://tool.example/signed-out"], registered.GetProperty("post_logout_redirect_uris").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["https://tool.example/signed-out"], (await Server.Services.GetRequiredService<IClientStore>().FindAsync(clientId))!.PostLogoutRedirectUris);

        var page = await (await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", "http://127.0.0.1:50000/callback"), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")))).Content.ReadAsStringAsync();
        Assert.Contains("id=\"client-self-registered\"", page);

        var operatorClient = await Server.AddPublicClientAsync(redirectUris: "http://127.0.0.1:9/callback");
        var operatorPage = await (await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", operatorClient.ClientId), ("redirect_uri", "http://127.0.0.1:9/callback"), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("client-self-registered", operatorPage);
    }

    [Fact]
    public async Task TheSamePublicClientRegisteredAgainFromTheSameAddress_GetsTheEarlierClient_AndAnotherOneDoesNot()
    {
        var http = Server.NewHttpClient();
        var json = $$"""{"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none", "client_name": "Connects often {{Guid.NewGuid():N}}"}""";

        var first = await OAuthFlow.JsonAsync(await RegisterAsync(http, json));
        var again = await RegisterAsync(http, json);
        var other = await OAuthFlow.JsonAsync(await RegisterAsync(http, json.Replace("Connects often", "Another tool", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(first.GetProperty("client_id").GetString(), (await OAuthFlow.JsonAsync(again)).GetProperty("client_id").GetString());
        Assert.NotEqual(first.GetProperty("client_id").GetString(), other.GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task TheNameOfAnAppTheOperatorRegistered_IsNotForAClientThatRegistersItself()
    {
        var operatorClient = await Server.AddPublicClientAsync(redirectUris: "http://127.0.0.1:9/callback");

        var response = await RegisterAsync(Server.NewHttpClient(), $$"""
            {"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none", "client_name": "{{operatorClient.Name.ToUpperInvariant()}}"}
            """);

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
    }

    public static TheoryData<string, string, string> BadRegistrations() => new()
    {
        { "a wildcard redirect URI", """{"redirect_uris": ["https://*.tool.example/cb"], "token_endpoint_auth_method": "none"}""", "invalid_redirect_uri" },
        { "a redirect URI with a fragment", """{"redirect_uris": ["https://tool.example/cb#x"], "token_endpoint_auth_method": "none"}""", "invalid_redirect_uri" },
        { "a javascript: redirect URI", """{"redirect_uris": ["javascript:alert(1)"], "token_endpoint_auth_method": "none"}""", "invalid_redirect_uri" },
        { "a data: redirect URI", """{"redirect_uris": ["data:text/html,x"], "token_endpoint_auth_method": "none"}""", "invalid_redirect_uri" },
        { "a non-loopback http redirect URI", """{"redirect_uris": ["http://tool.example/cb"], "token_endpoint_auth_method": "none"}""", "invalid_redirect_uri" },
        { "a relative redirect URI", """{"redirect_uris": ["/cb"], "token_endpoint_auth_method": "none"}""", "invalid_redirect_uri" },
        { "no redirect URI", """{"token_endpoint_auth_method": "none"}""", "invalid_redirect_uri" },
        { "redirect URIs that are not an array", """{"redirect_uris": "https://tool.example/cb"}""", "invalid_redirect_uri" },
        { "an unknown scope", """{"redirect_uris": ["https://tool.example/cb"], "scope": "read admin"}""", "invalid_client_metadata" },
        { "the client_credentials grant", """{"redirect_uris": ["https://tool.example/cb"], "grant_types": ["authorization_code", "client_credentials"]}""", "invalid_client_metadata" },
        { "the implicit response type", """{"redirect_uris": ["https://tool.example/cb"], "response_types": ["token"]}""", "invalid_client_metadata" },
        { "private_key_jwt without keys", """{"redirect_uris": ["https://tool.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}""", "invalid_client_metadata" },
        { "a client_id of its own choosing", """{"redirect_uris": ["https://tool.example/cb"], "client_id": "admin"}""", "invalid_client_metadata" },
        { "a name with a right-to-left override", """{"redirect_uris": ["https://tool.example/cb"], "client_name": "Tool\u202Eexe.pdf"}""", "invalid_client_metadata" },
        { "a name with a zero-width space", """{"redirect_uris": ["https://tool.example/cb"], "client_name": "Con\u200Btoso"}""", "invalid_client_metadata" },
        { "a post-logout redirect URI with a fragment", """{"redirect_uris": ["https://tool.example/cb"], "post_logout_redirect_uris": ["https://tool.example/bye#x"]}""", "invalid_redirect_uri" },
        { "a name of the wrong type", """{"redirect_uris": ["https://tool.example/cb"], "client_name": 7}""", "invalid_client_metadata" },
        { "an array instead of an object", """[{"redirect_uris": ["https://tool.example/cb"]}]""", "invalid_client_metadata" },
        { "malformed JSON", """{"redirect_uris": [""", "invalid_client_metadata" },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task ABadRegistration_GetsThePreciseError_AndNothingIsStored(string why, string json, string error)
    {
        var clients = Server.Services.GetRequiredService<IClientStore>();
        var before = (await clients.ListAsync()).Count;

        var response = await RegisterAsync(Server.NewHttpClient(), json);

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, error);
        Assert.True((await clients.ListAsync()).Count == before, why);
    }

    [Fact]
    public async Task ARegistrationThatIsNotJson_IsRefused()
    {
        var response = await Server.NewHttpClient().PostAsync("register", new FormUrlEncodedContent([new("redirect_uris", "https://tool.example/cb")]));

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_client_metadata");
    }
}

public static class DynamicRegistrationSettings
{
    public static Dictionary<string, string?> Enabled => new()
    {
        ["OAuth:DynamicRegistration:Enabled"] = "true",
        // Every test of a class registers from 127.0.0.1; the limit itself is tested on its own.
        ["OAuth:DynamicRegistration:RateLimit:MaxFailures"] = "1000",
    };
}

public sealed class RegistrationLocalHostFixture()
    : ServerFixture(async () => await LocalServer.StartAsync(DynamicRegistrationSettings.Enabled, clock: ManualClock.Running()));

public sealed class RegistrationFunctionsWorkerFixture()
    : ServerFixture(async () => await FunctionsWorkerServer.StartAsync(DynamicRegistrationSettings.Enabled));

public sealed class LocalHostRegistrationTests(RegistrationLocalHostFixture fixture) : RegistrationContractTests<RegistrationLocalHostFixture>(fixture);

public sealed class FunctionsWorkerRegistrationTests(RegistrationFunctionsWorkerFixture fixture) : RegistrationContractTests<RegistrationFunctionsWorkerFixture>(fixture);
