using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// The sign-in session as an OpenID Provider shows it: "sid" in the ID token, id_token_hint at /authorize (OpenID Connect
/// Core §3.1.2.1) and RP-Initiated Logout 1.0 at /endsession, over real HTTP against Azurite, on both hosts. Each test
/// has its own browser, relying party and user.
/// </summary>
public abstract class EndSessionContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private const string SignedOutUri = "http://127.0.0.1:9/signed-out";
    private readonly CookieContainer _cookies = new();
    private OAuthFlow _browser = null!;
    private OAuthClient _client = null!;
    private string _username = null!;

    private IOAuthTestServer Server => fixture.Server;

    public async Task InitializeAsync()
    {
        _browser = new OAuthFlow(OAuthFlow.Browser(Server.BaseAddress, _cookies));
        _client = await Server.AddRelyingPartyAsync(Redirect, postLogoutRedirectUri: SignedOutUri);
        _username = (await Server.AddUserAsync()).Username;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private TimeSpan AccessTokenLifetime => Server.Services.GetRequiredService<OAuthServerOptions>().AccessTokenLifetime;

    private string Authorize(string challenge, params (string Name, string? Value)[] extra) => Authorize(_client.ClientId, challenge, extra);

    private static string Authorize(string clientId, string challenge, params (string Name, string? Value)[] extra) =>
        OAuthFlow.AuthorizeQuery(
            [("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect), ("scope", "openid read"), ("state", "st-2"),
             ("nonce", "n-1"), ("code_challenge", challenge), ("code_challenge_method", "S256"), .. extra]);

    /// <summary>Signs in through <paramref name="flow"/> (with the password the first time) and returns the ID token.</summary>
    private async Task<string> SignInAsync(OAuthFlow flow, string username, string? clientId = null)
    {
        clientId ??= _client.ClientId;
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var response = await flow.SignInAsync(Authorize(clientId, challenge), username, LocalServer.Password);
        var code = OAuthFlow.RedirectParameters(response)["code"];
        var tokens = await OAuthFlow.JsonAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", clientId), ("code_verifier", verifier)]));
        return tokens.GetProperty("id_token").GetString()!;
    }

    private string SessionValue() => _cookies.GetCookies(Server.BaseAddress)[EndpointHttpResult.SessionCookieName]?.Value ?? "";

    private async Task<Dictionary<string, string>> PromptNoneAsync(HttpClient http, params (string Name, string? Value)[] extra) =>
        OAuthFlow.RedirectParameters(await http.GetAsync(Authorize(OAuthFlow.NewPkce().Challenge, [("prompt", "none"), .. extra])));

    [Fact]
    public async Task TheIdToken_NamesTheSession_AndTheSignInTime()
    {
        var idToken = new JsonWebToken(await SignInAsync(_browser, _username));

        Assert.True(SecretValues.TrySplit(SessionValue(), out var sid, out _));
        Assert.False(string.IsNullOrEmpty(sid));
        Assert.Equal(sid, idToken.GetPayloadValue<string>("sid"));
        // The sign-in's time by the server's clock (which a test before this one may have moved on): just before the
        // token was issued, in the same flow.
        var issuedAt = idToken.GetPayloadValue<long>("iat");
        Assert.InRange(idToken.GetPayloadValue<long>("auth_time"), issuedAt - 5, issuedAt);
        var claimsSupported = (await Discovery()).GetProperty("claims_supported").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("sid", claimsSupported);
        Assert.Contains("auth_time", claimsSupported);
    }

    [Fact]
    public async Task Discovery_ListsTheEndSessionEndpoint_AndThePromptValues()
    {
        var metadata = await Discovery();

        Assert.Equal(Server.Issuer + "/endsession", metadata.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(["none", "login", "consent"], metadata.GetProperty("prompt_values_supported").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public async Task AnIdTokenHint_OfTheSignedInUser_SignsIn_OfAnotherUser_NeedsThePassword()
    {
        var own = await SignInAsync(_browser, _username);
        var other = await SignInAsync(new OAuthFlow(OAuthFlow.Browser(Server.BaseAddress, new CookieContainer())), (await Server.AddUserAsync()).Username);

        Assert.True((await PromptNoneAsync(_browser.Http, ("id_token_hint", own))).ContainsKey("code"));
        Assert.Equal(OAuthErrorCodes.LoginRequired, (await PromptNoneAsync(_browser.Http, ("id_token_hint", other)))["error"]);
        var page = await _browser.Http.GetAsync(Authorize(OAuthFlow.NewPkce().Challenge, ("id_token_hint", other)));
        Assert.Contains("type=\"password\"", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnIdTokenHint_Expired_Foreign_Altered_OrForAnotherClient_IsInvalidRequest_AtAuthorize()
    {
        var own = await SignInAsync(_browser, _username);
        var parts = own.Split('.');
        var altered = parts[0] + "." + Base64Url.Encode(JsonSerializer.SerializeToUtf8Bytes(new { iss = Server.Issuer, sub = "someone-else", aud = _client.ClientId, exp = 4102444800 })) + "." + parts[2];
        using var foreignKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreign = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://elsewhere.example",
            Audience = _client.ClientId,
            Claims = new Dictionary<string, object> { ["sub"] = "x" },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(foreignKey), SecurityAlgorithms.EcdsaSha256),
        });
        var otherClient = await Server.AddRelyingPartyAsync(Redirect);
        var forOtherClient = await SignInAsync(_browser, _username, otherClient.ClientId);

        foreach (var hint in new[] { altered, foreign, "not-a-jwt", forOtherClient })
        {
            var error = await PromptNoneAsync(_browser.Http, ("id_token_hint", hint));
            Assert.Equal((OAuthErrorCodes.InvalidRequest, "st-2"), (error["error"], error["state"]));
        }

        await Server.PassTimeAsync(AccessTokenLifetime + TimeSpan.FromMinutes(1));
        var expired = await PromptNoneAsync(_browser.Http, ("id_token_hint", own));
        Assert.Equal(OAuthErrorCodes.InvalidRequest, expired["error"]);
        Assert.Contains("expired", expired["error_description"]);
        Assert.True((await PromptNoneAsync(_browser.Http)).ContainsKey("code")); // the control: the session itself is fine
    }

    [Fact]
    public async Task Logout_WithAHintOfTheSignedInUser_EndsTheSession_AndReturnsWithTheState()
    {
        var idToken = await SignInAsync(_browser, _username);
        var stale = SessionValue();

        var response = await _browser.Http.GetAsync(QueryString("endsession", ("id_token_hint", idToken), ("post_logout_redirect_uri", SignedOutUri), ("state", "bye")));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(SignedOutUri + "?state=bye", response.Headers.Location!.OriginalString);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(EndpointHttpResult.SessionCookieName + "=;", StringComparison.Ordinal));
        Assert.Equal(OAuthErrorCodes.LoginRequired, (await PromptNoneAsync(_browser.Http))["error"]);
        Assert.Equal(OAuthErrorCodes.LoginRequired, (await PromptNoneAsync(OAuthFlow.BrowserWithSessionCookie(Server.BaseAddress, stale)))["error"]);
    }

    [Fact]
    public async Task Logout_WithAnExpiredHint_StillEndsTheSession_ForLogoutIgnoresExpiry()
    {
        var idToken = await SignInAsync(_browser, _username);
        await Server.PassTimeAsync(AccessTokenLifetime + TimeSpan.FromMinutes(1));

        var response = await _browser.Http.GetAsync(QueryString("endsession", ("id_token_hint", idToken), ("post_logout_redirect_uri", SignedOutUri)));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(OAuthErrorCodes.LoginRequired, (await PromptNoneAsync(_browser.Http))["error"]);
    }

    [Fact]
    public async Task Logout_WithoutAHint_AsksFirst_OnACsrfProtectedPage()
    {
        await SignInAsync(_browser, _username);

        var page = await _browser.Http.GetAsync(QueryString("endsession", ("client_id", _client.ClientId), ("post_logout_redirect_uri", SignedOutUri), ("state", "s3")));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sign out?", html);
        Assert.Contains("form-action 'self' http://127.0.0.1:9", string.Join(";", page.Headers.GetValues("Content-Security-Policy")));
        Assert.True((await PromptNoneAsync(_browser.Http)).ContainsKey("code")); // asking ended nothing

        var fields = OAuthFlow.HiddenFields(html);
        var forged = new Dictionary<string, string>(fields) { ["csrf_token"] = "forged", ["action"] = "signout" };
        Assert.Equal(HttpStatusCode.BadRequest, (await _browser.Http.PostAsync("endsession", new FormUrlEncodedContent(forged))).StatusCode);
        Assert.True((await PromptNoneAsync(_browser.Http)).ContainsKey("code"));

        fields["action"] = "signout";
        var confirmed = await _browser.Http.PostAsync("endsession", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.SeeOther, confirmed.StatusCode);
        Assert.Equal(SignedOutUri + "?state=s3", confirmed.Headers.Location!.OriginalString);
        Assert.Equal(OAuthErrorCodes.LoginRequired, (await PromptNoneAsync(_browser.Http))["error"]);
    }

    [Fact]
    public async Task Logout_WithAHintOfAnotherUser_AsksFirst()
    {
        await SignInAsync(_browser, _username);
        var other = await SignInAsync(new OAuthFlow(OAuthFlow.Browser(Server.BaseAddress, new CookieContainer())), (await Server.AddUserAsync()).Username);

        var page = await _browser.Http.GetAsync(QueryString("endsession", ("id_token_hint", other)));

        Assert.Contains("Sign out?", await page.Content.ReadAsStringAsync());
        Assert.True((await PromptNoneAsync(_browser.Http)).ContainsKey("code"));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/elsewhere")]
    [InlineData("http://127.0.0.1:9/signed-out/")]
    [InlineData(Redirect)] // a redirect URI is not a post-logout redirect URI
    public async Task Logout_ToAnUnregisteredUri_IsAnErrorPage_NeverARedirect_AndEndsNothing(string uri)
    {
        var idToken = await SignInAsync(_browser, _username);

        var response = await _browser.Http.GetAsync(QueryString("endsession", ("id_token_hint", idToken), ("post_logout_redirect_uri", uri), ("state", "x")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("not registered", await response.Content.ReadAsStringAsync());
        Assert.True((await PromptNoneAsync(_browser.Http)).ContainsKey("code"));
    }

    [Fact]
    public async Task Logout_WithAPostLogoutUri_ButNoClient_IsAnErrorPage()
    {
        var response = await _browser.Http.GetAsync(QueryString("endsession", ("post_logout_redirect_uri", SignedOutUri)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    private static string QueryString(string path, params (string Name, string? Value)[] parameters) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(path, parameters.Select(p => new KeyValuePair<string, string?>(p.Name, p.Value)));


    private async Task<JsonElement> Discovery() =>
        JsonDocument.Parse(await _browser.Http.GetStringAsync(".well-known/openid-configuration")).RootElement.Clone();
}

public sealed class LocalHostEndSessionTests(LocalHostFixture fixture) : EndSessionContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerEndSessionTests(FunctionsWorkerFixture fixture) : EndSessionContractTests<FunctionsWorkerFixture>(fixture);
