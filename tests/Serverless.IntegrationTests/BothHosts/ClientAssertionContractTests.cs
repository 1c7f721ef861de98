using System.Net;
using System.Net.Security;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// Machines without secrets, asked of both hosts: a client that registered its public keys (inline, or at a jwks_uri
/// on a local HTTPS site) authenticates at /token, /revoke and /introspect with a private_key_jwt assertion; every bad
/// assertion is invalid_client and writes nothing; Duende.IdentityModel's client assertion and openid-client's
/// PrivateKeyJwt, clients this project did not write, get tokens.
/// </summary>
public abstract class ClientAssertionContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : MetadataDocumentFixture
{
    private IOAuthTestServer Server => fixture.Server;

    private string TokenEndpoint => Server.Issuer + "/token";

    [Fact]
    public async Task Metadata_AdvertisesPrivateKeyJwt_AtEveryEndpoint_WithAsymmetricAlgorithmsOnly()
    {
        var metadata = await OAuthFlow.JsonAsync(await new OAuthFlow(Server).Http.GetAsync(".well-known/oauth-authorization-server"));
        foreach (var endpoint in new[] { "token", "revocation", "introspection" })
        {
            Assert.Contains("private_key_jwt", metadata.GetProperty($"{endpoint}_endpoint_auth_methods_supported").EnumerateArray().Select(m => m.GetString()));
            var algorithms = metadata.GetProperty($"{endpoint}_endpoint_auth_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()!).ToList();
            Assert.Contains("ES256", algorithms);
            Assert.Contains("RS256", algorithms);
            Assert.DoesNotContain(algorithms, a => a == "none" || a.StartsWith("HS", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AClientWithRegisteredKeys_GetsATokenWithoutASecret_AndRevokesAndIntrospectsWithAssertions()
    {
        using var key = new ClientKey();
        var client = await Server.AddAssertionClientAsync(jwks: key.Jwks);
        var flow = new OAuthFlow(Server);

        // aud: the issuer (RFC 7523 §3), client_id left out (the assertion's sub names the client).
        var (accessToken, _, body) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            ClientAssertionRegistrations.AssertionForm(key.Assertion(client.ClientId, Server.Issuer), ("grant_type", "client_credentials"), ("scope", "read"))));
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(flow.Http, accessToken, Server.Issuer, Server.Issuer + "/resource");
        Assert.Equal(client.ClientId, jwt.GetClaim("client_id").Value);
        Assert.Equal("read", body.GetProperty("scope").GetString());

        // aud: the token endpoint (OpenID Connect Core §9), with client_id.
        var introspection = await flow.PostFormAsync("introspect", ClientAssertionRegistrations.AssertionForm(
            key.Assertion(client.ClientId, TokenEndpoint), ("client_id", client.ClientId), ("token", accessToken)));
        Assert.Equal(HttpStatusCode.OK, introspection.StatusCode);
        Assert.True((await OAuthFlow.JsonAsync(introspection)).GetProperty("active").GetBoolean());

        var revocation = await flow.PostFormAsync("revoke", ClientAssertionRegistrations.AssertionForm(key.Assertion(client.ClientId, Server.Issuer), ("token", accessToken)));
        Assert.Equal(HttpStatusCode.OK, revocation.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await flow.GetResourceAsync(accessToken)).StatusCode);

        // No secret exists for it: Basic with any secret fails.
        await OAuthFlow.AssertOAuthErrorAsync(
            await flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, "guess")), HttpStatusCode.Unauthorized, OAuthErrorCodes.InvalidClient);
    }

    [Fact]
    public async Task KeysAtAJwksUri_AreFetchedOnce_AndAgainOnceWhenTheClientRotates()
    {
        using var first = new ClientKey();
        using var second = new ClientKey();
        var site = fixture.Site;
        var path = "/keys/" + Guid.NewGuid().ToString("N") + ".json";
        site.Serve(path, first.Jwks, headers: ("Cache-Control", "max-age=3600"));
        var client = await Server.AddAssertionClientAsync(jwksUri: site.Url(path));
        var flow = new OAuthFlow(Server);

        for (var i = 0; i < 2; i++)
        {
            await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
                ClientAssertionRegistrations.AssertionForm(first.Assertion(client.ClientId, Server.Issuer), ("grant_type", "client_credentials"))));
        }

        Assert.Equal(1, site.RequestsTo(path));

        // The client rotates to a new key: its unknown kid fetches the set again, once.
        site.Serve(path, second.Jwks, headers: ("Cache-Control", "max-age=3600"));
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            ClientAssertionRegistrations.AssertionForm(second.Assertion(client.ClientId, Server.Issuer), ("grant_type", "client_credentials"))));
        Assert.Equal(2, site.RequestsTo(path));

        // Made-up key ids do not make the server fetch again and again.
        using var stranger = new ClientKey();
        for (var i = 0; i < 3; i++)
        {
            await OAuthFlow.AssertOAuthErrorAsync(await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(
                stranger.Assertion(client.ClientId, Server.Issuer), ("grant_type", "client_credentials"))), HttpStatusCode.Unauthorized, OAuthErrorCodes.InvalidClient);
        }

        Assert.Equal(2, site.RequestsTo(path));
    }

    [Fact]
    public async Task BadAssertions_AreInvalidClient_AndWriteNothing()
    {
        using var key = new ClientKey();
        using var forger = new ClientKey();
        var client = await Server.AddAssertionClientAsync(jwks: key.Jwks);
        var other = await Server.AddAssertionClientAsync(jwks: key.Jwks);
        var flow = new OAuthFlow(Server);
        var used = key.Assertion(client.ClientId, Server.Issuer);
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(used, ("grant_type", "client_credentials"))));
        var rowsBefore = await Server.CountReplayRowsAsync();
        var id = client.ClientId;
        var now = DateTime.UtcNow;

        var refused = new Dictionary<string, string>
        {
            ["forged (another key, the client's kid)"] = forger.Assertion(id, Server.Issuer, keyId: key.KeyId),
            ["expired"] = key.Assertion(id, Server.Issuer, now: now.AddMinutes(-10)),
            ["too long-lived"] = key.Assertion(id, Server.Issuer, c => c["exp"] = EpochTime(now.AddDays(1))),
            ["no exp"] = key.Assertion(id, Server.Issuer, c => c.Remove("exp")),
            ["no jti"] = key.Assertion(id, Server.Issuer, c => c.Remove("jti")),
            ["replayed"] = used,
            ["wrong audience"] = key.Assertion(id, "https://elsewhere.example.com/token"),
            ["the resource as audience"] = key.Assertion(id, Server.Issuer + "/resource"),
            ["wrong subject"] = key.Assertion(id, Server.Issuer, c => c["sub"] = other.ClientId),
            ["another client's assertion for this client_id"] = key.Assertion(other.ClientId, Server.Issuer),
            ["alg none"] = ClientKey.Unsigned(ClientKey.ClaimsOf(key.Assertion(id, Server.Issuer))),
            ["HS256 keyed with the public JWK"] = ClientKey.Hmac(ClientKey.ClaimsOf(key.Assertion(id, Server.Issuer)), System.Text.Encoding.UTF8.GetBytes(key.Jwks), key.KeyId),
            ["not a JWT"] = "not-a-jwt",
        };
        foreach (var (why, assertion) in refused)
        {
            var response = await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(assertion, ("client_id", id), ("grant_type", "client_credentials")));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, OAuthErrorCodes.InvalidClient);
        }

        // The wrong assertion type, and an assertion beside a secret, are refused before any key is looked at.
        await OAuthFlow.AssertOAuthErrorAsync(await flow.PostTokenAsync([("grant_type", "client_credentials"), ("client_assertion_type", "urn:example:other"),
            ("client_assertion", key.Assertion(id, Server.Issuer))]), HttpStatusCode.Unauthorized, OAuthErrorCodes.InvalidClient);
        await OAuthFlow.AssertOAuthErrorAsync(await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(
            key.Assertion(id, Server.Issuer), ("grant_type", "client_credentials"), ("client_secret", "x"))), HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidRequest);

        Assert.Equal(rowsBefore, await Server.CountReplayRowsAsync());
    }

    [Fact]
    public async Task DuendeIdentityModel_ClientAssertion_GetsAToken()
    {
        using var key = new ClientKey();
        var client = await Server.AddAssertionClientAsync(jwks: key.Jwks);
        using var http = new HttpClient();
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = Server.Issuer,
            Policy = { RequireHttps = false },
        });
        Assert.False(discovery.IsError, discovery.Error);
        Assert.Contains("private_key_jwt", discovery.TokenEndpointAuthenticationMethodsSupported);

        var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = client.ClientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            ClientAssertion = new ClientAssertion { Type = OidcConstants.ClientAssertionTypes.JwtBearer, Value = key.Assertion(client.ClientId, discovery.TokenEndpoint!) },
            Scope = "read",
        });

        Assert.False(response.IsError, response.Error + " " + response.ErrorDescription);
        await TokenSupport.ValidateAgainstJwksAsync(new OAuthFlow(Server).Http, response.AccessToken!, Server.Issuer, Server.Issuer + "/resource");
    }

    [Fact]
    public async Task OpenIdClient_PrivateKeyJwt_GetsAToken_IntrospectsAndRevokesIt()
    {
        using var key = new ClientKey();
        var client = await Server.AddAssertionClientAsync(jwks: key.Jwks);

        var result = await NodeScript.RunAsync("openid-client-private-key-jwt.mjs", new
        {
            issuer = Server.Issuer,
            clientId = client.ClientId,
            privateJwk = key.PrivateJwk,
            scope = "read",
        });

        Assert.Equal("Bearer", result.GetProperty("token_type").GetString(), ignoreCase: true);
        Assert.True(result.GetProperty("active").GetBoolean());
        Assert.Equal(client.ClientId, result.GetProperty("client_id").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await new OAuthFlow(Server).GetResourceAsync(result.GetProperty("access_token").GetString())).StatusCode);
    }

    [Fact]
    public async Task AClientThatRegistersItsKeys_ByRfc7591_OrInItsMetadataDocument_GetsTokensWithoutASecret()
    {
        using var key = new ClientKey();
        var user = await Server.AddUserAsync();

        // RFC 7591: the keys by value; no secret is made.
        var flow = new OAuthFlow(Server);
        var registered = await flow.Http.PostAsync("register", new StringContent(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["redirect_uris"] = new[] { MetadataDocumentFixture.Callback },
            ["token_endpoint_auth_method"] = "private_key_jwt",
            ["jwks"] = new { keys = new[] { key.PublicJwk } },
        }), System.Text.Encoding.UTF8, "application/json"));
        Assert.True(registered.StatusCode == HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
        var body = await OAuthFlow.JsonAsync(registered);
        Assert.False(body.TryGetProperty("client_secret", out _));
        Assert.Equal("private_key_jwt", body.GetProperty("token_endpoint_auth_method").GetString());
        await SignsInAndGetsTokensWithAssertionsAsync(body.GetProperty("client_id").GetString()!, key, user.Username);

        // A Client ID Metadata Document: the keys by reference, at a jwks_uri on the client's site.
        var site = fixture.Site;
        var clientId = site.Url("/tools/keyed-tool.json");
        site.Serve("/tools/keyed-tool-keys.json", key.Jwks);
        site.Serve("/tools/keyed-tool.json", System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["client_id"] = clientId,
            ["client_name"] = "Keyed Tool",
            ["redirect_uris"] = new[] { MetadataDocumentFixture.Callback },
            ["grant_types"] = new[] { "authorization_code" },
            ["token_endpoint_auth_method"] = "private_key_jwt",
            ["jwks_uri"] = site.Url("/tools/keyed-tool-keys.json"),
        }));
        await SignsInAndGetsTokensWithAssertionsAsync(clientId, key, user.Username);
    }

    /// <summary>A user signs in for the client; the code is exchanged with an assertion, and refused without one.</summary>
    private async Task SignsInAndGetsTokensWithAssertionsAsync(string clientId, ClientKey key, string username)
    {
        const string Listening = "http://127.0.0.1:50125/callback";
        var flow = new OAuthFlow(Server);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(clientId, Listening, username, challenge, scope: "read");
        (string, string)[] exchange = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Listening), ("code_verifier", verifier)];

        await OAuthFlow.AssertOAuthErrorAsync(await flow.PostTokenAsync([.. exchange, ("client_id", clientId)]), HttpStatusCode.Unauthorized, OAuthErrorCodes.InvalidClient);
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            ClientAssertionRegistrations.AssertionForm(key.Assertion(clientId, Server.Issuer), [.. exchange, ("client_id", clientId)])));
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(flow.Http, accessToken, Server.Issuer, Server.Issuer + "/resource");
        Assert.Equal(clientId, jwt.GetClaim("client_id").Value);
    }

    private static long EpochTime(DateTime time) => Microsoft.IdentityModel.Tokens.EpochTime.GetIntDate(time);
}

public sealed class AssertionLocalHostFixture() : MetadataDocumentFixture(async site => await LocalServer.StartAsync(
    new(Settings) { ["OAuth:DynamicRegistration:Enabled"] = "true" }, services: site.TrustFromTheFetcher, clock: ManualClock.Running()));

public sealed class AssertionFunctionsWorkerFixture() : MetadataDocumentFixture(async site => await FunctionsWorkerServer.StartAsync(
    new(Settings) { ["SSL_CERT_FILE"] = site.CertificateFile, ["OAuth:DynamicRegistration:Enabled"] = "true" }));

public sealed class LocalHostClientAssertionTests(AssertionLocalHostFixture fixture)
    : ClientAssertionContractTests<AssertionLocalHostFixture>(fixture);

public sealed class FunctionsWorkerClientAssertionTests(AssertionFunctionsWorkerFixture fixture)
    : ClientAssertionContractTests<AssertionFunctionsWorkerFixture>(fixture);
