using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// Sign-in sessions, prompt/max_age/login_hint (OpenID Connect Core §3.1.2.1, §3.1.2.6), remembered consent and the
/// account page, over real HTTP against Azurite, on both hosts. One browser is one <see cref="OAuthFlow"/> (one cookie
/// jar); each test has its own browser, client and user over a shared server.
/// </summary>
public abstract class SessionAndConsentContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private readonly CookieContainer _cookies = new();
    private OAuthFlow _browser = null!;
    private string _clientId = null!;
    private string _username = null!;

    private IOAuthTestServer Server => fixture.Server;

    private OAuthServerOptions Options => Server.Services.GetRequiredService<OAuthServerOptions>();

    public Task DisposeAsync() => Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _browser = new OAuthFlow(OAuthFlow.Browser(Server.BaseAddress, _cookies));
        _clientId = (await Server.AddPublicClientAsync(redirectUris: Redirect)).ClientId;
        _username = (await Server.AddUserAsync()).Username;
    }

    private string Query(string scope = "read", params (string Name, string? Value)[] extra) =>
        OAuthFlow.AuthorizeQuery(
            [("response_type", "code"), ("client_id", _clientId), ("redirect_uri", Redirect), ("scope", scope), ("state", "st-1"),
             ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"), .. extra]);

    private async Task SignInWithPasswordAsync(string scope = "read")
    {
        var response = await _browser.SignInAsync(Query(scope), _username, LocalServer.Password);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Contains("code", OAuthFlow.RedirectParameters(response).Keys);
    }

    private Cookie SessionCookie() =>
        Assert.Single(_cookies.GetCookies(Server.BaseAddress), c => c.Name == EndpointHttpResult.SessionCookieName);


    [Fact]
    public async Task ASecondAuthorization_InTheSameBrowser_AsksNeitherPasswordNorConsent_AndNamesTheSameUser()
    {
        await SignInWithPasswordAsync();

        var again = await _browser.Http.GetAsync(Query());

        Assert.Equal(HttpStatusCode.Found, again.StatusCode);
        var parameters = OAuthFlow.RedirectParameters(again);
        Assert.Equal("st-1", parameters["state"]);
        Assert.Equal(Server.Issuer, parameters["iss"]);
        Assert.True(parameters.ContainsKey("code"));
    }

    [Fact]
    public async Task TheSessionCookie_IsHttpOnly_SameSiteLax_OnPathRoot_AndHoldsNoStoredValue()
    {
        var page = await _browser.Http.GetAsync(Query());

        // The sign-in step's answer starts the session, whether the consent step follows or the code.
        var response = await _browser.Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(await page.Content.ReadAsStringAsync()), new("username", _username), new("password", LocalServer.Password)]));

        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(EndpointHttpResult.SessionCookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.True(SecretValues.TrySplit(SessionCookie().Value, out _, out var secret));
        Assert.Equal(43, secret.Length); // 256 random bits, base64url
    }

    [Fact]
    public async Task ANewScope_IsAskedAlone_WithoutThePassword_AndThenRemembered()
    {
        await SignInWithPasswordAsync("read");

        var page = await _browser.Http.GetAsync(Query("read write"));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("type=\"password\"", html);
        Assert.Contains("Signed in as", html);
        Assert.Contains("Change your data", html);
        Assert.DoesNotContain("Read your data", html);

        var allowed = await _browser.PostLoginFormAsync(html, "", "");
        Assert.Contains("code", OAuthFlow.RedirectParameters(allowed).Keys);
        Assert.Equal(HttpStatusCode.Found, (await _browser.Http.GetAsync(Query("write read"))).StatusCode);
    }

    [Fact]
    public async Task PromptNone_AnswersLoginRequired_ThenConsentRequired_ThenACode_AlwaysByRedirectWithState()
    {
        var notSignedIn = OAuthFlow.RedirectParameters(await _browser.Http.GetAsync(Query("read", ("prompt", "none"))));
        Assert.Equal((OAuthErrorCodes.LoginRequired, "st-1"), (notSignedIn["error"], notSignedIn["state"]));

        await SignInWithPasswordAsync("read");
        var newScope = OAuthFlow.RedirectParameters(await _browser.Http.GetAsync(Query("read write", ("prompt", "none"))));
        Assert.Equal((OAuthErrorCodes.ConsentRequired, "st-1"), (newScope["error"], newScope["state"]));

        var known = OAuthFlow.RedirectParameters(await _browser.Http.GetAsync(Query("read", ("prompt", "none"))));
        Assert.True(known.ContainsKey("code"));
    }

    [Theory]
    [InlineData("select_account")]
    [InlineData("none login")]
    [InlineData("none consent")]
    public async Task AnUnsupportedPrompt_OrNoneWithAnother_IsInvalidRequest(string prompt)
    {
        var error = OAuthFlow.RedirectParameters(await _browser.Http.GetAsync(Query("read", ("prompt", prompt))));

        Assert.Equal(OAuthErrorCodes.InvalidRequest, error["error"]);
        Assert.Equal("st-1", error["state"]);
    }

    [Fact]
    public async Task PromptLogin_AsksForThePasswordAgain_AndReplacesTheSession()
    {
        await SignInWithPasswordAsync();
        var before = SessionCookie().Value;

        var page = await _browser.Http.GetAsync(Query("read", ("prompt", "login")));
        Assert.Contains("type=\"password\"", await page.Content.ReadAsStringAsync());
        var response = await _browser.SignInAsync(Query("read", ("prompt", "login")), _username, LocalServer.Password);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);

        Assert.NotEqual(before, SessionCookie().Value);
        using var stale = OAuthFlow.BrowserWithSessionCookie(Server.BaseAddress, before);
        Assert.Equal(HttpStatusCode.OK, (await stale.GetAsync(Query())).StatusCode); // the old session ended: the page, not a code
    }

    [Fact]
    public async Task PromptConsent_AsksAgain_ForEverything()
    {
        await SignInWithPasswordAsync("read");

        var page = await _browser.Http.GetAsync(Query("read", ("prompt", "consent")));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Read your data", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MaxAge_PastTheSignIn_AsksForThePassword_AndWithPromptNoneIsLoginRequired()
    {
        await SignInWithPasswordAsync();
        await Server.PassTimeAsync(TimeSpan.FromMinutes(10));

        Assert.Equal(HttpStatusCode.Found, (await _browser.Http.GetAsync(Query("read", ("max_age", "3600")))).StatusCode);
        var page = await _browser.Http.GetAsync(Query("read", ("max_age", "60")));
        Assert.Contains("type=\"password\"", await page.Content.ReadAsStringAsync());
        var error = OAuthFlow.RedirectParameters(await _browser.Http.GetAsync(Query("read", ("prompt", "none"), ("max_age", "60"))));
        Assert.Equal(OAuthErrorCodes.LoginRequired, error["error"]);

        // A fresh sign-in satisfies it.
        var response = await _browser.SignInAsync(Query("read", ("max_age", "60")), _username, LocalServer.Password);
        Assert.Contains("code", OAuthFlow.RedirectParameters(response).Keys);
        Assert.Equal(HttpStatusCode.Found, (await _browser.Http.GetAsync(Query("read", ("max_age", "60")))).StatusCode);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("1.5")]
    public async Task AMalformedMaxAge_IsInvalidRequest(string maxAge)
    {
        var error = OAuthFlow.RedirectParameters(await _browser.Http.GetAsync(Query("read", ("max_age", maxAge))));

        Assert.Equal(OAuthErrorCodes.InvalidRequest, error["error"]);
    }

    [Fact]
    public async Task LoginHint_PrefillsTheUsername()
    {
        var page = await _browser.Http.GetAsync(Query("read", ("login_hint", "someone@example.com")));

        Assert.Contains("value=\"someone@example.com\"", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ATamperedUnknownOrExpiredSessionCookie_SignsNoOneIn()
    {
        await SignInWithPasswordAsync();
        var value = SessionCookie().Value;
        SecretValues.TrySplit(value, out var sid, out var secret);

        foreach (var forged in new[] { sid + "." + new string('A', secret.Length), SecretValues.NewId() + "." + secret, "garbage", sid })
        {
            using var stale = OAuthFlow.BrowserWithSessionCookie(Server.BaseAddress, forged);
            Assert.Equal(HttpStatusCode.OK, (await stale.GetAsync(Query())).StatusCode);
            var error = OAuthFlow.RedirectParameters(await stale.GetAsync(Query("read", ("prompt", "none"))));
            Assert.Equal(OAuthErrorCodes.LoginRequired, error["error"]);
        }

        await Server.PassTimeAsync(Options.SessionIdleLifetime + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await _browser.Http.GetAsync(Query())).StatusCode);
    }

    [Fact]
    public async Task TheIdleEnd_SlidesWithUse_ButNotPastTheAbsoluteEnd()
    {
        var options = Options;
        await SignInWithPasswordAsync();

        // Used at 60 % of the idle lifetime, twice over: alive at 120 % of it from the sign-in.
        for (var i = 0; i < 2; i++)
        {
            await Server.PassTimeAsync(options.SessionIdleLifetime * 0.6);
            Assert.Equal(HttpStatusCode.Found, (await _browser.Http.GetAsync(Query())).StatusCode);
        }

        // However busy, it ends at the absolute end.
        var elapsed = options.SessionIdleLifetime * 1.2;
        while (elapsed < options.SessionAbsoluteLifetime)
        {
            await Server.PassTimeAsync(options.SessionIdleLifetime * 0.6);
            elapsed += options.SessionIdleLifetime * 0.6;
            await _browser.Http.GetAsync(Query());
        }

        Assert.Equal(HttpStatusCode.OK, (await _browser.Http.GetAsync(Query())).StatusCode);
    }

    [Fact]
    public async Task TheAccountPage_ListsTheAllowedApps_AndWithdrawingOne_RevokesItsTokens_AndAsksConsentAgain()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await _browser.GetCodeAsync(_clientId, Redirect, _username, challenge);
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await _browser.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", _clientId), ("code_verifier", verifier)]));
        Assert.Equal(HttpStatusCode.OK, (await _browser.GetResourceAsync(accessToken)).StatusCode);

        var account = await _browser.Http.GetAsync("account");
        var html = await account.Content.ReadAsStringAsync();
        Assert.Contains("Test Public App", html);
        Assert.Contains("Read your data", html);

        var withdrawn = await _browser.Http.PostAsync("account", AccountForm(html, "withdraw", _clientId));
        Assert.Contains("no longer has access", await withdrawn.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, (await _browser.GetResourceAsync(accessToken)).StatusCode);
        await OAuthFlow.AssertOAuthErrorAsync(
            await _browser.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", _clientId)]),
            HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidGrant);
        var again = await _browser.Http.GetAsync(Query());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode); // signed in still, but asked again
        Assert.DoesNotContain("type=\"password\"", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheAccountPage_RefusesAPostWithoutItsCsrfToken_AndSignsOut()
    {
        await SignInWithPasswordAsync();
        var html = await (await _browser.Http.GetAsync("account")).Content.ReadAsStringAsync();

        var forged = await _browser.Http.PostAsync("account", new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "signout", ["csrf_token"] = "forged" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Found, (await _browser.Http.GetAsync(Query())).StatusCode);

        var value = SessionCookie().Value;
        var signedOut = await _browser.Http.PostAsync("account", AccountForm(html, "signout"));
        Assert.Contains("You are signed out", await signedOut.Content.ReadAsStringAsync());
        Assert.DoesNotContain(_cookies.GetCookies(Server.BaseAddress), c => c.Name == EndpointHttpResult.SessionCookieName);

        using var stale = OAuthFlow.BrowserWithSessionCookie(Server.BaseAddress, value);
        Assert.Equal(HttpStatusCode.OK, (await stale.GetAsync(Query())).StatusCode);
        Assert.Contains("Sign in to your account", await (await stale.GetAsync("account")).Content.ReadAsStringAsync()); // not signed in: the sign-in step
    }

    /// <summary>What one of the account page's forms posts: its CSRF token (the same in every form), the action and the app.</summary>
    private static FormUrlEncodedContent AccountForm(string html, string action, string? clientId = null)
    {
        var csrf = OAuthFlow.CsrfToken(html);
        if (clientId is not null)
        {
            Assert.Contains($"name=\"client_id\" value=\"{clientId}\"", html);
        }

        var fields = new Dictionary<string, string> { ["csrf_token"] = csrf, ["action"] = action };
        if (clientId is not null)
        {
            fields["client_id"] = clientId;
        }

        return new FormUrlEncodedContent(fields);
    }

}

public sealed class LocalHostSessionAndConsentTests(LocalHostFixture fixture) : SessionAndConsentContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerSessionAndConsentTests(FunctionsWorkerFixture fixture) : SessionAndConsentContractTests<FunctionsWorkerFixture>(fixture);
