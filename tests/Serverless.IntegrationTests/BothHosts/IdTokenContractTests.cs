using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// ID tokens from the code flow and the refresh grant (OpenID Connect Core §3.1.3.6-7, §12.2), asked of both hosts and
/// checked as a relying party would: signature against the published JWKS, iss, aud, typ, and each claim.
/// </summary>
public abstract class IdTokenContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/rp-callback";

    private IOAuthTestServer Server => fixture.Server;

    private async Task<(OAuthFlow Flow, string ClientId, string Subject, System.Text.Json.JsonElement Body)> SignInAsync(
        string scope, string? nonce, string? idTokenSignedResponseAlg = null)
    {
        var client = await Server.AddRelyingPartyAsync(Redirect, idTokenSignedResponseAlg);
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var redirect = await flow.SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", scope),
                ("state", "s"), ("nonce", nonce), ("code_challenge", challenge), ("code_challenge_method", "S256")),
            user.Username,
            LocalServer.Password);
        var code = OAuthFlow.RedirectParameters(redirect)["code"];
        var (_, _, body) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));
        return (flow, client.ClientId, user.Subject, body);
    }

    [Fact]
    public async Task TheCodeFlow_WithOpenId_IssuesAnIdTokenForTheClient_WithTheNonceAndTheAccessTokenHash()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);
        var (flow, clientId, subject, body) = await SignInAsync("openid profile", "n-0S6_WzA2Mj");

        var idToken = await TokenSupport.ValidateIdTokenAsync(flow.Http, body.GetProperty("id_token").GetString()!, Server.Issuer, clientId);
        Assert.Equal("JWT", idToken.Typ);
        Assert.Equal("RS256", idToken.Alg);
        Assert.Equal(subject, idToken.Subject);
        Assert.Equal([clientId], idToken.Audiences);
        Assert.Equal("n-0S6_WzA2Mj", idToken.GetClaim("nonce").Value);
        Assert.Equal(AccessTokenHash(body.GetProperty("access_token").GetString()!), idToken.GetClaim("at_hash").Value);
        Assert.Equal("[\"pwd\"]", idToken.GetPayloadValue<System.Text.Json.JsonElement>("amr").GetRawText());
        var authTime = DateTimeOffset.FromUnixTimeSeconds(idToken.GetPayloadValue<long>("auth_time"));
        Assert.InRange(authTime, before, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(600, (idToken.ValidTo - idToken.IssuedAt).TotalSeconds);
        Assert.False(idToken.TryGetClaim("azp", out _), "The only audience is the client: no azp (Core §2).");
        Assert.True(idToken.TryGetClaim("sid", out var sid) && sid.Value.Length > 0, "The sign-in session's sid.");
    }

    /// <summary>Access tokens keep the configured ES256; ID tokens are RS256 unless the client registered ES256; the JWKS has both.</summary>
    [Fact]
    public async Task AClientsIdTokenSignedResponseAlg_ChoosesTheIdTokensAlgorithm()
    {
        var (flow, clientId, _, body) = await SignInAsync("openid", "n-es", idTokenSignedResponseAlg: "ES256");

        var idToken = await TokenSupport.ValidateIdTokenAsync(flow.Http, body.GetProperty("id_token").GetString()!, Server.Issuer, clientId);
        var accessToken = new JsonWebToken(body.GetProperty("access_token").GetString());
        var jwks = System.Text.Json.JsonDocument.Parse(await flow.Http.GetStringAsync(".well-known/jwks.json")).RootElement.GetProperty("keys");
        var discovery = System.Text.Json.JsonDocument.Parse(await flow.Http.GetStringAsync(".well-known/openid-configuration")).RootElement;

        Assert.Equal("ES256", idToken.Alg);
        Assert.Equal("ES256", accessToken.Alg);
        Assert.Equal(["ES256", "RS256"], jwks.EnumerateArray().Select(k => k.GetProperty("alg").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(["ES256", "RS256"], discovery.GetProperty("id_token_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task OpenIdWithoutANonce_IsAllowedInTheCodeFlow_AndTheIdTokenHasNone()
    {
        var (flow, clientId, _, body) = await SignInAsync("openid", nonce: null);

        var idToken = await TokenSupport.ValidateIdTokenAsync(flow.Http, body.GetProperty("id_token").GetString()!, Server.Issuer, clientId);
        Assert.False(idToken.TryGetClaim("nonce", out _));
    }

    [Fact]
    public async Task WithoutOpenId_ThereIsNoIdToken()
    {
        var (_, _, _, body) = await SignInAsync("read", "n-1");

        Assert.False(body.TryGetProperty("id_token", out _));
    }

    [Fact]
    public async Task Refresh_ReturnsANewIdToken_ForTheSameSubjectAndSignIn_WithoutTheNonce()
    {
        var (flow, clientId, subject, body) = await SignInAsync("openid offline_access", "n-2");
        var first = await TokenSupport.ValidateIdTokenAsync(flow.Http, body.GetProperty("id_token").GetString()!, Server.Issuer, clientId);

        var (accessToken, _, refreshed) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", body.GetProperty("refresh_token").GetString()!), ("client_id", clientId)]));

        var second = await TokenSupport.ValidateIdTokenAsync(flow.Http, refreshed.GetProperty("id_token").GetString()!, Server.Issuer, clientId);
        Assert.Equal(subject, second.Subject);
        Assert.Equal(first.GetPayloadValue<long>("auth_time"), second.GetPayloadValue<long>("auth_time"));
        Assert.Equal("[\"pwd\"]", second.GetPayloadValue<System.Text.Json.JsonElement>("amr").GetRawText());
        Assert.Equal(AccessTokenHash(accessToken), second.GetClaim("at_hash").Value);
        Assert.False(second.TryGetClaim("nonce", out _));
    }

    /// <summary>The nonce never travels to the token endpoint: each code carries its own request's nonce, whatever the order of redemption.</summary>
    [Fact]
    public async Task EachCode_CarriesTheNonceOfItsOwnRequest()
    {
        var client = await Server.AddRelyingPartyAsync(Redirect);
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        async Task<string> CodeAsync(string nonce) => OAuthFlow.RedirectParameters(await flow.SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "openid"),
                ("nonce", nonce), ("code_challenge", challenge), ("code_challenge_method", "S256")),
            user.Username,
            LocalServer.Password))["code"];
        async Task<string?> NonceOfAsync(string code)
        {
            var (_, _, body) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));
            var idToken = await TokenSupport.ValidateIdTokenAsync(flow.Http, body.GetProperty("id_token").GetString()!, Server.Issuer, client.ClientId);
            return idToken.GetClaim("nonce").Value;
        }

        var first = await CodeAsync("nonce-of-the-first-request");
        var second = await CodeAsync("nonce-of-the-second-request");

        Assert.Equal("nonce-of-the-second-request", await NonceOfAsync(second));
        Assert.Equal("nonce-of-the-first-request", await NonceOfAsync(first));
    }

    [Fact]
    public async Task OpenIdNotAllowedForTheClient_IsInvalidScope_ByRedirect()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);

        var response = await Server.NewHttpClient().GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "openid read"), ("state", "s"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("invalid_scope", OAuthFlow.RedirectParameters(response)["error"]);
    }

    /// <summary>OpenID Connect Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url.</summary>
    private static string AccessTokenHash(string accessToken) =>
        Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken))[..16]);
}

public sealed class LocalHostIdTokenContractTests(LocalHostFixture fixture) : IdTokenContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerIdTokenContractTests(FunctionsWorkerFixture fixture) : IdTokenContractTests<FunctionsWorkerFixture>(fixture);
