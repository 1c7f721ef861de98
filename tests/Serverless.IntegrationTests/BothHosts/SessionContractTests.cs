using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Serverless.OAuth.Http;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// The sign-in session, prompt (OpenID Connect Core §3.1.2.1), remembered consent, the account page and RP-Initiated
/// Logout 1.0, asked of both hosts through the same browser steps: a session cookie the worker drops or a route it
/// answers differently fails here. Each test is one browser (one cookie jar) on a relying party of its own.
/// </summary>
public abstract class SessionContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private const string SignedOutUri = "http://127.0.0.1:9/signed-out";
    private const string State = "st-c";

    private IOAuthTestServer Server => fixture.Server;

    private async Task<string> AddRelyingPartyAsync() =>
        (await Server.AddRelyingPartyAsync(Redirect, postLogoutRedirectUri: SignedOutUri)).ClientId;

    /// <summary>A new browser: its own cookie jar, which the test may read.</summary>
    private (OAuthFlow Browser, CookieContainer Cookies) NewBrowser()
    {
        var cookies = new CookieContainer();
        return (new OAuthFlow(OAuthFlow.Browser(Server.BaseAddress, cookies)), cookies);
    }

    private static string Authorize(string clientId, string challenge, string scope = "openid read", params (string Name, string? Value)[] extra) =>
        OAuthFlow.AuthorizeQuery(
            [("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect), ("scope", scope), ("state", State),
             ("code_challenge", challenge), ("code_challenge_method", "S256"), .. extra]);

    private static Task<HttpResponseMessage> GetAuthorizeAsync(OAuthFlow browser, string clientId, string scope = "openid read", params (string Name, string? Value)[] extra) =>
        browser.Http.GetAsync(Authorize(clientId, OAuthFlow.NewPkce().Challenge, scope, extra));

    /// <summary>Signs in with the password and allows; returns the tokens of the code.</summary>
    private static async Task<System.Text.Json.JsonElement> SignInWithPasswordAsync(OAuthFlow browser, string clientId, string username, string scope = "openid read")
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var page = await browser.Http.GetAsync(Authorize(clientId, challenge, scope));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("type=\"password\"", html);
        var response = await browser.PostLoginFormAsync(html, username, LocalServer.Password);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return await RedeemAsync(browser, clientId, OAuthFlow.RedirectParameters(response)["code"], verifier);
    }

    private static async Task<System.Text.Json.JsonElement> RedeemAsync(OAuthFlow browser, string clientId, string code, string verifier)
    {
        var (_, _, body) = await TokenSupport.ReadTokenResponseAsync(await browser.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", clientId), ("code_verifier", verifier)]));
        return body;
    }

    private static async Task<string> SubjectOfAsync(OAuthFlow browser, System.Text.Json.JsonElement tokens) =>
        (await OAuthFlow.JsonAsync(await browser.GetResourceAsync(tokens.GetProperty("access_token").GetString()))).GetProperty("sub").GetString()!;

    private string? SessionCookie(CookieContainer cookies) => cookies.GetCookies(Server.BaseAddress)[EndpointHttpResult.SessionCookieName]?.Value;

    [Fact]
    public async Task ASecondAuthorization_InTheSameBrowser_NeedsNoPassword_AndWithConsentRemembered_NoPageAtAll()
    {
        var clientId = await AddRelyingPartyAsync();
        var user = await Server.AddUserAsync();
        var (browser, cookies) = NewBrowser();
        await SignInWithPasswordAsync(browser, clientId, user.Username, "openid read");
        Assert.NotNull(SessionCookie(cookies));

        // A new scope: the consent page alone, posted without username or password, answers a code for the same user.
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var page = await browser.Http.GetAsync(Authorize(clientId, challenge, "openid read email"));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.DoesNotContain("type=\"password\"", html);
        var allowed = await browser.PostLoginFormAsync(html, "", "");
        var tokens = await RedeemAsync(browser, clientId, OAuthFlow.RedirectParameters(allowed)["code"], verifier);
        Assert.Equal(user.Subject, await SubjectOfAsync(browser, tokens));

        // Consent remembered: no page, the code straight back to the client.
        var again = await GetAuthorizeAsync(browser, clientId, "email openid read");
        Assert.Equal(HttpStatusCode.Found, again.StatusCode);
        Assert.StartsWith(Redirect + "?", again.Headers.Location!.ToString());
        var parameters = OAuthFlow.RedirectParameters(again);
        Assert.True(parameters.ContainsKey("code"));
        Assert.Equal((State, Server.Issuer), (parameters["state"], parameters["iss"]));

        // The session is the cookie: another browser is asked for the password.
        var stranger = await GetAuthorizeAsync(NewBrowser().Browser, clientId, "openid read");
        Assert.Contains("type=\"password\"", await stranger.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheSignIn_IsTwoSteps_AFirstTimeUserIsAskedAfterSigningIn_AReturningUserInANewBrowserIsNotAsked()
    {
        var clientId = await AddRelyingPartyAsync();
        var user = await Server.AddUserAsync();

        // Step one asks only how the user signs in: no scope list, no Allow.
        var (first, _) = NewBrowser();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var signInPage = await (await first.Http.GetAsync(Authorize(clientId, challenge))).Content.ReadAsStringAsync();
        Assert.Contains("type=\"password\"", signInPage);
        Assert.DoesNotContain("If you allow it", signInPage);
        Assert.False(OAuthFlow.IsConsentPage(signInPage));

        // A first-time user: the consent step follows the password, naming who signed in, with no password field.
        var signedIn = await first.Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(signInPage), new("username", user.Username), new("password", LocalServer.Password)]));
        var consentPage = await signedIn.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.True(OAuthFlow.IsConsentPage(consentPage));
        Assert.Contains("If you allow it", consentPage);
        Assert.Contains($"Signed in as <strong>{user.Username}</strong>", consentPage);
        Assert.DoesNotContain("type=\"password\"", consentPage);
        var allowed = await first.PostConsentAsync(consentPage);
        Assert.Equal(user.Subject, await SubjectOfAsync(first, await RedeemAsync(first, clientId, OAuthFlow.RedirectParameters(allowed)["code"], verifier)));

        // The same user in a new browser: the password, then the code at once, with no consent step.
        var (second, cookies) = NewBrowser();
        var again = await second.Http.GetAsync(Authorize(clientId, OAuthFlow.NewPkce().Challenge));
        var returned = await second.Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(await again.Content.ReadAsStringAsync()), new("username", user.Username), new("password", LocalServer.Password)]));
        Assert.Equal(HttpStatusCode.SeeOther, returned.StatusCode);
        Assert.Contains("code", OAuthFlow.RedirectParameters(returned).Keys);
        Assert.NotNull(SessionCookie(cookies));

        // prompt=consent asks again, after the password; Deny there goes back with access_denied.
        var (third, _) = NewBrowser();
        var forced = await GetAuthorizeAsync(third, clientId, "openid read", ("prompt", "consent"));
        var asked = await third.Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(await forced.Content.ReadAsStringAsync()), new("username", user.Username), new("password", LocalServer.Password)]));
        Assert.True(OAuthFlow.IsConsentPage(await asked.Content.ReadAsStringAsync()));
        var denied = await third.PostConsentAsync(await asked.Content.ReadAsStringAsync(), "deny");
        Assert.Equal((OAuthErrorCodes.AccessDenied, State), (OAuthFlow.RedirectParameters(denied)["error"], OAuthFlow.RedirectParameters(denied)["state"]));
    }

    [Fact]
    public async Task PromptLoginAndMaxAgeZero_AFirstTimeUsersConsentAfterTheSignIn_IsNotAskedToSignInAgain()
    {
        var clientId = await AddRelyingPartyAsync();
        var user = await Server.AddUserAsync();
        foreach (var extra in new (string, string?)[][] { [("prompt", "login consent")], [("max_age", "0"), ("prompt", "consent")] })
        {
            var (browser, _) = NewBrowser();
            var (verifier, challenge) = OAuthFlow.NewPkce();
            var page = await browser.Http.GetAsync(Authorize(clientId, challenge, "openid read", extra));
            var signedIn = await browser.Http.PostAsync("authorize", new FormUrlEncodedContent(
                [.. OAuthFlow.PasswordFormFields(await page.Content.ReadAsStringAsync()), new("username", user.Username), new("password", LocalServer.Password)]));
            var consentPage = await signedIn.Content.ReadAsStringAsync();
            Assert.True(OAuthFlow.IsConsentPage(consentPage), consentPage);

            var allowed = await browser.PostConsentAsync(consentPage);

            Assert.Equal(HttpStatusCode.SeeOther, allowed.StatusCode);
            var tokens = await RedeemAsync(browser, clientId, OAuthFlow.RedirectParameters(allowed)["code"], verifier);
            Assert.Equal(user.Subject, await SubjectOfAsync(browser, tokens));
        }
    }

    [Fact]
    public async Task TheSignInStep_Cancel_GoesBackWithAccessDenied_WithoutAPasswordCheck()
    {
        var clientId = await AddRelyingPartyAsync();
        var (browser, cookies) = NewBrowser();
        var page = await GetAuthorizeAsync(browser, clientId);

        var cancelled = await browser.Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(await page.Content.ReadAsStringAsync()), new("decision", "deny")]));

        var error = OAuthFlow.RedirectParameters(cancelled);
        Assert.Equal((OAuthErrorCodes.AccessDenied, State), (error["error"], error["state"]));
        Assert.Null(SessionCookie(cookies));
    }

    [Fact]
    public async Task PromptNone_WithoutASession_IsLoginRequired_ByRedirectWithState()
    {
        var clientId = await AddRelyingPartyAsync();

        var response = await GetAuthorizeAsync(NewBrowser().Browser, clientId, "openid read", ("prompt", "none"));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.StartsWith(Redirect + "?", response.Headers.Location!.ToString());
        var error = OAuthFlow.RedirectParameters(response);
        Assert.Equal((OAuthErrorCodes.LoginRequired, State), (error["error"], error["state"]));
        Assert.False(error.ContainsKey("code"));
    }

    [Fact]
    public async Task PromptLogin_WithASession_ShowsThePasswordFormAgain_AndReplacesTheSession()
    {
        var clientId = await AddRelyingPartyAsync();
        var user = await Server.AddUserAsync();
        var (browser, cookies) = NewBrowser();
        await SignInWithPasswordAsync(browser, clientId, user.Username);
        var before = SessionCookie(cookies);
        Assert.Equal(HttpStatusCode.Found, (await GetAuthorizeAsync(browser, clientId)).StatusCode); // signed in, consented

        var page = await GetAuthorizeAsync(browser, clientId, "openid read", ("prompt", "login"));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("type=\"password\"", html);
        var response = await browser.PostLoginFormAsync(html, user.Username, LocalServer.Password);

        Assert.Contains("code", OAuthFlow.RedirectParameters(response).Keys);
        Assert.NotEqual(before, SessionCookie(cookies));
    }

    [Fact]
    public async Task EndSession_WithAValidHint_AndARegisteredUri_EndsTheSession_AndRedirectsWithState_AnUnregisteredUriIsAnErrorPage()
    {
        var clientId = await AddRelyingPartyAsync();
        var user = await Server.AddUserAsync();
        var (browser, cookies) = NewBrowser();
        var idToken = (await SignInWithPasswordAsync(browser, clientId, user.Username)).GetProperty("id_token").GetString()!;
        var ended = SessionCookie(cookies)!;

        var unregistered = await browser.Http.GetAsync(EndSession(("id_token_hint", idToken), ("post_logout_redirect_uri", SignedOutUri + "/"), ("state", "bye")));
        Assert.Equal(HttpStatusCode.BadRequest, unregistered.StatusCode);
        Assert.Null(unregistered.Headers.Location);
        Assert.Contains("not registered", await unregistered.Content.ReadAsStringAsync());
        Assert.True(OAuthFlow.RedirectParameters(await GetAuthorizeAsync(browser, clientId, "openid read", ("prompt", "none"))).ContainsKey("code"));

        var loggedOut = await browser.Http.GetAsync(EndSession(("id_token_hint", idToken), ("post_logout_redirect_uri", SignedOutUri), ("state", "bye")));
        Assert.Equal(HttpStatusCode.Found, loggedOut.StatusCode);
        Assert.Equal(SignedOutUri + "?state=bye", loggedOut.Headers.Location!.OriginalString);

        var page = await GetAuthorizeAsync(browser, clientId);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("type=\"password\"", await page.Content.ReadAsStringAsync());
        Assert.Equal(OAuthErrorCodes.LoginRequired, OAuthFlow.RedirectParameters(await GetAuthorizeAsync(browser, clientId, "openid read", ("prompt", "none")))["error"]);

        // Ended on the server, not only forgotten by this browser: a kept copy of the cookie signs no one in.
        using var kept = OAuthFlow.BrowserWithSessionCookie(Server.BaseAddress, ended);
        Assert.Equal(OAuthErrorCodes.LoginRequired, OAuthFlow.RedirectParameters(await GetAuthorizeAsync(new OAuthFlow(kept), clientId, "openid read", ("prompt", "none")))["error"]);
    }

    [Fact]
    public async Task TheAccountPage_ListsTheApp_AndWithdrawingIt_MakesItsRefreshTokenInvalidGrant()
    {
        var clientId = await AddRelyingPartyAsync();
        var user = await Server.AddUserAsync();
        var (browser, _) = NewBrowser();
        var tokens = await SignInWithPasswordAsync(browser, clientId, user.Username, "openid read offline_access");
        var refreshToken = tokens.GetProperty("refresh_token").GetString()!;

        var account = await browser.Http.GetAsync("account");
        var html = await account.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, account.StatusCode);
        Assert.Contains("Test Relying Party", html);
        Assert.Contains($"name=\"client_id\" value=\"{clientId}\"", html);

        var withdrawn = await browser.Http.PostAsync("account", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf_token"] = OAuthFlow.CsrfToken(html),
            ["action"] = "withdraw",
            ["client_id"] = clientId,
        }));
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        Assert.Contains("no longer has access", await withdrawn.Content.ReadAsStringAsync());

        await OAuthFlow.AssertOAuthErrorAsync(
            await browser.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientId)]),
            HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidGrant);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetResourceAsync(tokens.GetProperty("access_token").GetString())).StatusCode);
        Assert.DoesNotContain("Test Relying Party", await (await browser.Http.GetAsync("account")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheAccountPage_WithoutASession_IsTheSignInStep_AndThePasswordLandsBackOnIt()
    {
        var user = await Server.AddUserAsync();
        var (browser, cookies) = NewBrowser();
        var page = await browser.Http.GetAsync("account");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sign in to your account", html);
        Assert.Contains("<label for=\"username\">", html);
        Assert.DoesNotContain("value=\"deny\"", html); // no app to cancel back to

        var wrong = await browser.Http.PostAsync("account", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(html), new("username", user.Username), new("password", "not-the-password")]));
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        html = await wrong.Content.ReadAsStringAsync();
        Assert.Contains("username or password is incorrect", html);
        Assert.Null(SessionCookie(cookies));

        var signedIn = await browser.Http.PostAsync("account", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(html), new("username", user.Username), new("password", LocalServer.Password)]));
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        Assert.Equal(Server.Issuer + "/account", signedIn.Headers.Location!.ToString());
        Assert.NotNull(SessionCookie(cookies));
        var account = await (await browser.Http.GetAsync("account")).Content.ReadAsStringAsync();
        Assert.Contains($"Signed in as <strong>{user.Username}</strong>", account);

        // The session serves an app too: no password on its sign-in, only its consent.
        var clientId = await AddRelyingPartyAsync();
        Assert.True(OAuthFlow.IsConsentPage(await (await GetAuthorizeAsync(browser, clientId)).Content.ReadAsStringAsync()));

        // A forged post (no CSRF cookie match) signs no one in.
        var (stranger, strangerCookies) = NewBrowser();
        var forged = await stranger.Http.PostAsync("account", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(html), new("username", user.Username), new("password", LocalServer.Password)]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null(SessionCookie(strangerCookies));
    }

    [Fact]
    public async Task AnOldIdTokenOfTheSameUser_AsHint_DoesNotEndTheCurrentSessionSilently_TheUserIsAsked()
    {
        var clientId = await AddRelyingPartyAsync();
        var user = await Server.AddUserAsync();
        var (browser, cookies) = NewBrowser();
        var oldIdToken = (await SignInWithPasswordAsync(browser, clientId, user.Username)).GetProperty("id_token").GetString()!;

        // A new session of the same user (prompt=login replaces the session): the old ID token names another sid.
        var page = await GetAuthorizeAsync(browser, clientId, "openid read", ("prompt", "login"));
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.PostLoginFormAsync(await page.Content.ReadAsStringAsync(), user.Username, LocalServer.Password)).StatusCode);
        var current = SessionCookie(cookies);

        var asked = await browser.Http.GetAsync(EndSession(("id_token_hint", oldIdToken), ("post_logout_redirect_uri", SignedOutUri), ("state", "bye")));

        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains("name=\"csrf_token\"", await asked.Content.ReadAsStringAsync());
        Assert.Equal(current, SessionCookie(cookies));
        Assert.True(OAuthFlow.RedirectParameters(await GetAuthorizeAsync(browser, clientId, "openid read", ("prompt", "none"))).ContainsKey("code"));
    }

    [Fact]
    public async Task AnIdTokenHintForOneUser_NeverYieldsACodeForAnother_WhoeverSignsIn()
    {
        var clientId = await AddRelyingPartyAsync();
        var alice = await Server.AddUserAsync();
        var bob = await Server.AddUserAsync();
        var (aliceBrowser, _) = NewBrowser();
        var alicesIdToken = (await SignInWithPasswordAsync(aliceBrowser, clientId, alice.Username)).GetProperty("id_token").GetString()!;

        // Bob's browser, asked for alice: the sign-in page; bob's own password gets the page again, never a code.
        var (bobBrowser, cookies) = NewBrowser();
        var page = await GetAuthorizeAsync(bobBrowser, clientId, "openid read", ("id_token_hint", alicesIdToken));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("type=\"password\"", html);
        var answer = await bobBrowser.PostLoginFormAsync(html, bob.Username, LocalServer.Password);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Null(answer.Headers.Location);
        Assert.Contains("asked for another account", await answer.Content.ReadAsStringAsync());
        Assert.Null(SessionCookie(cookies));

        // Signed in as bob, a prompt=none request for alice is login_required (OpenID Connect Core §3.1.2.1).
        await SignInWithPasswordAsync(bobBrowser, clientId, bob.Username);
        Assert.Equal(OAuthErrorCodes.LoginRequired, OAuthFlow.RedirectParameters(
            await GetAuthorizeAsync(bobBrowser, clientId, "openid read", ("prompt", "none"), ("id_token_hint", alicesIdToken)))["error"]);
    }

    [Fact]
    public async Task ARedirectUriStoredWithNonAsciiCharacters_IsAnErrorPage_NeverA500()
    {
        const string Stored = "http://127.0.0.1:9/c\u00e4llback";
        var client = await Server.AddPublicClientAsync(redirectUris: Stored); // as stored before registration refused it
        var (browser, _) = NewBrowser();

        var response = await browser.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Stored), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("not registered", await response.Content.ReadAsStringAsync());
    }

    private static string EndSession(params (string Name, string? Value)[] parameters) =>
        QueryHelpers.AddQueryString("endsession", parameters.Select(p => new KeyValuePair<string, string?>(p.Name, p.Value)));
}

public sealed class LocalHostSessionContractTests(LocalHostFixture fixture) : SessionContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerSessionContractTests(FunctionsWorkerFixture fixture) : SessionContractTests<FunctionsWorkerFixture>(fixture);
