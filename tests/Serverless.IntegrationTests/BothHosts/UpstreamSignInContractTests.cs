using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Testing.Upstream;
using DeviceSteps = Serverless.IntegrationTests.BothHosts.DeviceFlowContractTests<Serverless.IntegrationTests.BothHosts.DeviceFlowLocalHostFixture>;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// Sign-in through upstream identity providers we did not write (oidc-provider, as a generic OpenID Provider and as
/// Entra-shaped tenants: <see cref="UpstreamProviderStandIn"/>), asked of both hosts through the same browser steps:
/// the provider choice, the provider's own page, the callback, consent only when something is new, the linked sub kept
/// across sign-ins; and every way the answer can be wrong: cancelled, another tenant, not invited, replayed, forged,
/// from another browser, on another provider's address, with another issuer, or a provider that does not answer.
/// </summary>
public abstract partial class UpstreamSignInContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : UpstreamServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private const string State = "st-up";

    private IOAuthTestServer Server => fixture.Server;

    private UpstreamProviderStandIn Upstream => fixture.Upstream;

    private static HttpClient NewBrowser(Uri baseAddress) => OAuthFlow.Browser(baseAddress, new CookieContainer());

    private static string Authorize(string clientId, string challenge, string scope = "openid email", params (string Name, string? Value)[] extra) =>
        OAuthFlow.AuthorizeQuery(
            [("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect), ("scope", scope), ("state", State),
             ("code_challenge", challenge), ("code_challenge_method", "S256"), ("nonce", "rp-nonce"), .. extra]);

    /// <summary>Opens the sign-in page and presses the provider's button: the answer is the redirect to the provider.</summary>
    private static async Task<HttpResponseMessage> ChooseAsync(HttpClient browser, string authorizeQuery, string provider)
    {
        var page = await browser.GetAsync(authorizeQuery);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var form = ProvidersForm().Match(html);
        Assert.True(form.Success, "no provider choice on the page");
        List<KeyValuePair<string, string>> fields = [.. OAuthFlow.HiddenFieldValues(form.Value), new("provider", provider)];
        return await browser.PostAsync("authorize", new FormUrlEncodedContent(fields));
    }

    /// <summary>The user at the provider: its page, the username typed (or Cancel); returns the provider's redirect back to us.</summary>
    private async Task<Uri> AtTheProviderAsync(HttpClient browser, HttpResponseMessage toProvider, string login, bool cancel = false)
    {
        Assert.Contains(toProvider.StatusCode, new[] { HttpStatusCode.Found, HttpStatusCode.SeeOther });
        var location = toProvider.Headers.Location!;
        Assert.StartsWith(Upstream.BaseAddress.ToString(), location.ToString());
        var response = await browser.GetAsync(location);
        location = new Uri(location, response.Headers.Location!);
        var page = await browser.GetAsync(location);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var action = Regex.Matches(html, "action=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Single(a => a.EndsWith(cancel ? "/abort" : "/login", StringComparison.Ordinal));
        response = await browser.PostAsync(new Uri(location, action), new FormUrlEncodedContent([new("login", login)]));
        location = new Uri(location, response.Headers.Location!);
        response = await browser.GetAsync(location);
        var back = new Uri(location, response.Headers.Location!);
        Assert.StartsWith(Server.Issuer + "/signin/", back.ToString());
        return back;
    }

    private async Task<JsonElement> AllowAndRedeemAsync(HttpClient browser, string clientId, HttpResponseMessage answer, string verifier)
    {
        if (answer.StatusCode == HttpStatusCode.OK)
        {
            var html = await answer.Content.ReadAsStringAsync();
            Assert.Contains("Allow", html);
            Assert.DoesNotContain("type=\"password\"", html);
            // Where the page's form posts, resolved against the callback's address, as a browser does.
            var action = new Uri(answer.RequestMessage!.RequestUri!, Regex.Match(html, "<form method=\"post\" action=\"([^\"]+)\"").Groups[1].Value);
            answer = await browser.PostAsync(action, new FormUrlEncodedContent([.. OAuthFlow.HiddenFieldValues(html), new("decision", "allow")]));
        }

        var parameters = OAuthFlow.RedirectParameters(answer);
        Assert.True(parameters.ContainsKey("code"), "no code in " + answer.Headers.Location);
        Assert.Equal(State, parameters["state"]);
        var flow = new OAuthFlow(browser);
        var (_, _, body) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", parameters["code"]), ("redirect_uri", Redirect), ("client_id", clientId), ("code_verifier", verifier)]));
        return body;
    }

    private static JsonElement IdTokenClaims(JsonElement tokens)
    {
        var payload = tokens.GetProperty("id_token").GetString()!.Split('.')[1];
        return JsonDocument.Parse(Base64UrlTextDecode(payload)).RootElement;
    }

    private static string Base64UrlTextDecode(string value) => System.Text.Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(value));

    private async Task<(JsonElement Claims, HttpStatusCode CallbackStatus, JsonElement UserInfo)> SignInThroughAsync(
        string clientId, string provider, string login, params (string Name, string? Value)[] extra)
    {
        var browser = NewBrowser(Server.BaseAddress);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var back = await AtTheProviderAsync(browser, await ChooseAsync(browser, Authorize(clientId, challenge, extra: extra), provider), login);
        var answer = await browser.GetAsync(back);
        var tokens = await AllowAndRedeemAsync(browser, clientId, answer, verifier);
        return (IdTokenClaims(tokens), answer.StatusCode, await UserInfoAsync(browser, tokens));
    }

    /// <summary>The userinfo endpoint's answer for the access token of <paramref name="tokens"/>.</summary>
    private static async Task<JsonElement> UserInfoAsync(HttpClient http, JsonElement tokens)
    {
        using var userInfo = new HttpRequestMessage(HttpMethod.Get, "userinfo");
        userInfo.Headers.Authorization = new("Bearer", tokens.GetProperty("access_token").GetString());
        return await OAuthFlow.JsonAsync(await http.SendAsync(userInfo));
    }

    private static string NewLogin(string prefix = "user") => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> NewClientAsync() => (await Server.AddRelyingPartyAsync(Redirect)).ClientId;

    [Fact]
    public async Task TheSignInPage_OffersEachProvider_AndStillThePassword()
    {
        var clientId = await NewClientAsync();
        var page = await NewBrowser(Server.BaseAddress).GetAsync(Authorize(clientId, OAuthFlow.NewPkce().Challenge));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Sign in with Example ID", html);
        Assert.Contains("Sign in with Contoso (Entra ID)", html);
        Assert.Contains("type=\"password\"", html);
        // The form may go on to the providers, and nowhere else besides the client.
        Assert.Contains(Upstream.BaseAddress.GetLeftPart(UriPartial.Authority), page.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task AGenericProvider_LinksAnAccountOnFirstSignIn_AndASecondSignInInANewBrowser_KeepsTheSub_WithoutConsent()
    {
        var clientId = await NewClientAsync();
        var login = NewLogin();
        var (first, firstStatus, profile) = await SignInThroughAsync(clientId, "generic", login);
        Assert.Equal(HttpStatusCode.OK, firstStatus);
        var sub = first.GetProperty("sub").GetString();
        Assert.NotEqual(login, sub);
        Assert.Equal(Server.Issuer, first.GetProperty("iss").GetString());
        Assert.Equal("rp-nonce", first.GetProperty("nonce").GetString());
        Assert.Equal(sub, profile.GetProperty("sub").GetString());
        Assert.Equal($"{login}@example.com", profile.GetProperty("email").GetString());
        Assert.True(profile.GetProperty("email_verified").GetBoolean());

        // A new browser, no session: the provider again, and straight back to the client (consent is remembered).
        var (second, secondStatus, _) = await SignInThroughAsync(clientId, "generic", login);
        Assert.Equal(HttpStatusCode.Found, secondStatus);
        Assert.Equal(sub, second.GetProperty("sub").GetString());

        // Another user of the same provider is another account.
        var (other, _, _) = await SignInThroughAsync(clientId, "generic", NewLogin());
        Assert.NotEqual(sub, other.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task AFederatedUsersSession_ServesASecondClientWithoutTheProvider_ConsentIsRemembered_TheAccountPageWithdraws_AndEndSessionEndsIt()
    {
        const string SignedOut = "http://127.0.0.1:9/signed-out";
        var first = (await Server.AddRelyingPartyAsync(Redirect, postLogoutRedirectUri: SignedOut)).ClientId;
        var second = await NewClientAsync();
        var browser = NewBrowser(Server.BaseAddress);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var back = await AtTheProviderAsync(browser, await ChooseAsync(browser, Authorize(first, challenge), "generic"), NewLogin());
        var tokens = await AllowAndRedeemAsync(browser, first, await browser.GetAsync(back), verifier);
        var sub = IdTokenClaims(tokens).GetProperty("sub").GetString();

        // A second client in the same browser: the session signs the user in (no redirect to the provider); only its consent is asked.
        (verifier, challenge) = OAuthFlow.NewPkce();
        var asked = await browser.GetAsync(Authorize(second, challenge));
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.True(OAuthFlow.IsConsentPage(await asked.Content.ReadAsStringAsync()));
        Assert.Equal(sub, IdTokenClaims(await AllowAndRedeemAsync(browser, second, asked, verifier)).GetProperty("sub").GetString());

        // The first client again: consent remembered, the code at once.
        var again = await browser.GetAsync(Authorize(first, OAuthFlow.NewPkce().Challenge));
        Assert.Equal(HttpStatusCode.Found, again.StatusCode);
        Assert.StartsWith(Redirect + "?code=", again.Headers.Location!.ToString());

        // The account page lists both apps; withdrawing one makes it ask for consent again.
        var account = await (await browser.GetAsync("account")).Content.ReadAsStringAsync();
        Assert.Contains($"name=\"client_id\" value=\"{first}\"", account);
        Assert.Contains($"name=\"client_id\" value=\"{second}\"", account);
        var withdrawn = await browser.PostAsync("account", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf_token"] = OAuthFlow.CsrfToken(account), ["action"] = "withdraw", ["client_id"] = second,
        }));
        Assert.Contains("no longer has access", await withdrawn.Content.ReadAsStringAsync());
        Assert.True(OAuthFlow.IsConsentPage(await (await browser.GetAsync(Authorize(second, OAuthFlow.NewPkce().Challenge))).Content.ReadAsStringAsync()));

        // RP-initiated logout ends the federated session like a local one.
        var loggedOut = await browser.GetAsync(QueryHelpers.AddQueryString("endsession", new Dictionary<string, string?>
        {
            ["id_token_hint"] = tokens.GetProperty("id_token").GetString(), ["post_logout_redirect_uri"] = SignedOut, ["state"] = "bye",
        }));
        Assert.Equal(SignedOut + "?state=bye", loggedOut.Headers.Location!.OriginalString);
        var none = OAuthFlow.RedirectParameters(await browser.GetAsync(Authorize(first, OAuthFlow.NewPkce().Challenge, extra: [("prompt", "none")])));
        Assert.Equal("login_required", none["error"]);
    }

    [Fact]
    public async Task TheAccountPage_WithoutASession_OffersTheProviders_AndASignInThroughOne_LandsBackOnIt()
    {
        var browser = NewBrowser(Server.BaseAddress);
        var page = await browser.GetAsync("account");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sign in with Example ID", html);
        Assert.Contains("type=\"password\"", html);
        Assert.Contains(Upstream.BaseAddress.GetLeftPart(UriPartial.Authority), page.Headers.GetValues("Content-Security-Policy").Single());

        var form = ProvidersForm().Match(html);
        var toProvider = await browser.PostAsync("account", new FormUrlEncodedContent([.. OAuthFlow.HiddenFieldValues(form.Value), new("provider", "generic")]));
        var login = NewLogin();
        var back = await AtTheProviderAsync(browser, toProvider, login);
        var landed = await browser.GetAsync(back);

        Assert.Equal(HttpStatusCode.Found, landed.StatusCode);
        Assert.Equal(Server.Issuer + "/account", landed.Headers.Location!.ToString());
        var account = await (await browser.GetAsync("account")).Content.ReadAsStringAsync();
        Assert.Contains("Signed in as", account);
        Assert.Contains($"{login}@example.com", account);
        Assert.Contains("You have not allowed any app yet", account);

        // A replayed answer is a page, never a second session.
        var replayed = await browser.GetAsync(back);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
    }

    [Fact]
    public async Task TheDevicePage_WithoutASession_OffersTheProviders_AndASignInThroughOne_ComesBackToTheCode_ThenTheDeviceGetsTheUsersTokens()
    {
        var client = await Server.AddPublicClientAsync(grants: [Serverless.OAuth.Protocol.GrantTypes.DeviceCode], scopes: ["openid", "email", "read"]);
        var device = new OAuthFlow(Server);
        var started = await DeviceSteps.StartAsync(device, client.ClientId, "openid email");
        var userCode = started.GetProperty("user_code").GetString()!;

        // The code confirmed: without a session, the sign-in step offers the providers beside the password.
        var browser = NewBrowser(Server.BaseAddress);
        var codePage = await (await browser.GetAsync("device")).Content.ReadAsStringAsync();
        var signIn = await browser.PostAsync("device", new FormUrlEncodedContent([new("csrf_token", OAuthFlow.CsrfToken(codePage)), new("user_code", userCode)]));
        var html = await signIn.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains("Sign in with Example ID", html);
        Assert.Contains("type=\"password\"", html);
        Assert.Contains($"id=\"device-code-shown\">{userCode}<", html);
        Assert.Contains(Upstream.BaseAddress.GetLeftPart(UriPartial.Authority), signIn.Headers.GetValues("Content-Security-Policy").Single());

        // The provider's button, the provider's page, and back: the session starts and the code comes back filled in.
        var providers = ProvidersForm().Match(html);
        var toProvider = await browser.PostAsync("device", new FormUrlEncodedContent([.. OAuthFlow.HiddenFieldValues(providers.Value), new("provider", "generic")]));
        var login = NewLogin();
        var landed = await browser.GetAsync(await AtTheProviderAsync(browser, toProvider, login));
        Assert.Equal(HttpStatusCode.Found, landed.StatusCode);
        Assert.Equal($"{Server.Issuer}/device?user_code={Uri.EscapeDataString(userCode)}", landed.Headers.Location!.ToString());
        var filledIn = await (await browser.GetAsync(landed.Headers.Location)).Content.ReadAsStringAsync();
        Assert.Contains($"value=\"{userCode}\"", filledIn);

        // Confirmed once more, the session stands in for the sign-in: the consent names the federated user.
        var consent = await browser.PostAsync("device", new FormUrlEncodedContent([new("csrf_token", OAuthFlow.CsrfToken(filledIn)), new("user_code", userCode)]));
        var consentHtml = await consent.Content.ReadAsStringAsync();
        Assert.Contains("id=\"device-warning\"", consentHtml);
        Assert.Contains($"{login}@example.com", consentHtml);
        var done = await browser.PostAsync("device", new FormUrlEncodedContent([new("csrf_token", OAuthFlow.CsrfToken(consentHtml)), new("user_code", userCode), new("decision", "allow")]));
        Assert.Contains("Device connected", await done.Content.ReadAsStringAsync());

        var tokens = await OAuthFlow.JsonAsync(await DeviceSteps.PollAsync(device, client.ClientId, started));
        Assert.Equal($"{login}@example.com", (await UserInfoAsync(device.Http, tokens)).GetProperty("email").GetString());
    }

    [Fact]
    public async Task TheAccountPagesSignIn_WhenTheProviderIsTemporarilyUnavailable_IsA503Page_NotABadRequest()
    {
        var browser = NewBrowser(Server.BaseAddress);
        var html = await (await browser.GetAsync("account")).Content.ReadAsStringAsync();
        var toProvider = await browser.PostAsync("account", new FormUrlEncodedContent([.. OAuthFlow.HiddenFieldValues(ProvidersForm().Match(html).Value), new("provider", "generic")]));
        var state = QueryHelpers.ParseQuery(toProvider.Headers.Location!.Query)["state"].ToString();

        // The provider answers as RFC 6749 §4.1.2.1 lets it: temporarily_unavailable, so the user should try again later.
        var answer = await browser.GetAsync($"signin/generic/callback?error=temporarily_unavailable&state={Uri.EscapeDataString(state)}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.NotNull(answer.Headers.RetryAfter);
        Assert.Contains("temporarily unable", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnUpstreamAcrThatMeansMultiFactor_IsMfaInOurAmr_AndOurIdTokenCarriesNoAcr()
    {
        var clientId = await NewClientAsync();

        var (claims, _, _) = await SignInThroughAsync(clientId, "generic", NewLogin("acrmfa"));
        var (plain, _, _) = await SignInThroughAsync(clientId, "generic", NewLogin());

        Assert.Contains("mfa", claims.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
        Assert.False(claims.TryGetProperty("acr", out _));
        Assert.DoesNotContain("mfa", plain.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Entra_AnyOrganisation_AnAllowedTenantsUser_ByDomainHint_WithMfaInAmr_AndTheSubStays()
    {
        var clientId = await NewClientAsync();
        var login = NewLogin("mfa");
        var browser = NewBrowser(Server.BaseAddress);
        var (verifier, challenge) = OAuthFlow.NewPkce();

        // The client names the organisation: no choice page, straight to its provider, with the hints passed on.
        var toProvider = await browser.GetAsync(Authorize(clientId, challenge, extra: [("domain_hint", "tenant-a.example"), ("login_hint", $"{login}@tenant-a.example")]));
        Assert.Equal(HttpStatusCode.Found, toProvider.StatusCode);
        var upstreamQuery = QueryHelpers.ParseQuery(toProvider.Headers.Location!.Query);
        Assert.Equal($"{login}@tenant-a.example", upstreamQuery["login_hint"]);
        Assert.Equal("S256", upstreamQuery["code_challenge_method"]);
        Assert.False(string.IsNullOrEmpty(upstreamQuery["nonce"]));
        var back = await AtTheProviderAsync(browser, toProvider, login);
        Assert.Contains("/signin/corp/callback", back.ToString());
        var claims = IdTokenClaims(await AllowAndRedeemAsync(browser, clientId, await browser.GetAsync(back), verifier));
        Assert.Contains("mfa", claims.GetProperty("amr").EnumerateArray().Select(a => a.GetString()));

        var (again, _, _) = await SignInThroughAsync(clientId, "corp", login);
        Assert.Equal(claims.GetProperty("sub").GetString(), again.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task Entra_AUserOfATenantThatIsNotAllowed_IsSentBackWithAccessDenied()
    {
        var clientId = await NewClientAsync();
        var browser = NewBrowser(Server.BaseAddress);
        var back = await AtTheProviderAsync(browser, await ChooseAsync(browser, Authorize(clientId, OAuthFlow.NewPkce().Challenge), "corp-b"), NewLogin());
        var answer = OAuthFlow.RedirectParameters(await browser.GetAsync(back));
        Assert.Equal("access_denied", answer["error"]);
        Assert.Contains("organisation", answer["error_description"]);
        Assert.Equal(State, answer["state"]);
    }

    [Fact]
    public async Task InvitedOnly_AnIdentityNoOneLinked_IsSentBackWithAccessDenied()
    {
        var clientId = await NewClientAsync();
        var browser = NewBrowser(Server.BaseAddress);
        var back = await AtTheProviderAsync(browser, await ChooseAsync(browser, Authorize(clientId, OAuthFlow.NewPkce().Challenge), "tenant-a"), NewLogin());
        var answer = OAuthFlow.RedirectParameters(await browser.GetAsync(back));
        Assert.Equal("access_denied", answer["error"]);
        Assert.Contains("invited", answer["error_description"]);
    }

    [Fact]
    public async Task CancellingAtTheProvider_SendsTheClientAccessDenied()
    {
        var clientId = await NewClientAsync();
        var browser = NewBrowser(Server.BaseAddress);
        var back = await AtTheProviderAsync(browser, await ChooseAsync(browser, Authorize(clientId, OAuthFlow.NewPkce().Challenge), "generic"), NewLogin(), cancel: true);
        var answer = OAuthFlow.RedirectParameters(await browser.GetAsync(back));
        Assert.Equal("access_denied", answer["error"]);
        Assert.Contains("cancelled", answer["error_description"]);
    }

    [Fact]
    public async Task AReplayedAnswer_AForgedState_AndAnAnswerInAnotherBrowser_GetAPage_NotASignIn()
    {
        var clientId = await NewClientAsync();
        var browser = NewBrowser(Server.BaseAddress);
        var back = await AtTheProviderAsync(browser, await ChooseAsync(browser, Authorize(clientId, OAuthFlow.NewPkce().Challenge), "generic"), NewLogin());

        // Carried into another browser (login CSRF): refused, and the attempt is spent.
        var elsewhere = await NewBrowser(Server.BaseAddress).GetAsync(back);
        Assert.Equal(HttpStatusCode.BadRequest, elsewhere.StatusCode);
        Assert.Contains("another browser", await elsewhere.Content.ReadAsStringAsync());
        var replayed = await browser.GetAsync(back);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Contains("expired or was already completed", await replayed.Content.ReadAsStringAsync());

        var forged = await browser.GetAsync($"signin/generic/callback?code=made-up&state={Guid.NewGuid():N}");
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var noState = await browser.GetAsync("signin/generic/callback?code=made-up");
        Assert.Equal(HttpStatusCode.BadRequest, noState.StatusCode);
    }

    [Fact]
    public async Task AnAnswerOnAnotherProvidersAddress_OrNamingAnotherIssuer_IsRefused()
    {
        var clientId = await NewClientAsync();

        // Mix-up (RFC 9700 §4.4): the state was issued for "generic"; its answer arrives at "corp"'s callback.
        var browser = NewBrowser(Server.BaseAddress);
        var back = await AtTheProviderAsync(browser, await ChooseAsync(browser, Authorize(clientId, OAuthFlow.NewPkce().Challenge), "generic"), NewLogin());
        var moved = await browser.GetAsync(back.ToString().Replace("/signin/generic/", "/signin/corp/", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, moved.StatusCode);
        Assert.Contains("another identity provider", await moved.Content.ReadAsStringAsync());

        // RFC 9207: the answer's iss is another issuer.
        browser = NewBrowser(Server.BaseAddress);
        back = await AtTheProviderAsync(browser, await ChooseAsync(browser, Authorize(clientId, OAuthFlow.NewPkce().Challenge), "generic"), NewLogin());
        var query = QueryHelpers.ParseQuery(back.Query);
        Assert.Equal(Upstream.GenericIssuer, query["iss"]);
        var otherIssuer = QueryHelpers.AddQueryString(back.GetLeftPart(UriPartial.Path), new Dictionary<string, string?>
        {
            ["code"] = query["code"], ["state"] = query["state"], ["iss"] = Upstream.TenantIssuer(UpstreamProviderStandIn.TenantA),
        });
        var answer = OAuthFlow.RedirectParameters(await browser.GetAsync(otherIssuer));
        Assert.Equal("access_denied", answer["error"]);
    }

    [Fact]
    public async Task AProviderThatDoesNotAnswer_Is503_AndNothingIsWritten()
    {
        var clientId = await NewClientAsync();
        var browser = NewBrowser(Server.BaseAddress);
        var response = await ChooseAsync(browser, Authorize(clientId, OAuthFlow.NewPkce().Challenge), "down");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.Contains("oauth_signin", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TheAdminTool_ListsTheProviders_AndAnInvitedUser_SignsInAsTheirAccount()
    {
        var options = Server.Services.GetRequiredService<Serverless.OAuth.Infrastructure.Options.OAuthServerOptions>();
        var settings = new Dictionary<string, string?>(Upstream.Settings())
        {
            ["OAuth:Issuer"] = Server.Issuer,
            ["OAuth:Storage:ConnectionString"] = options.Storage.ConnectionString,
            ["OAuth:Storage:TablePrefix"] = options.Storage.TablePrefix,
        };
        async Task<(int Exit, string Output)> AdminAsync(params string[] args)
        {
            var output = new StringWriter();
            var exit = await Serverless.Admin.AdminCommandLine.RunAsync(args, output, output, new StringReader(""), b => b.Configuration.AddInMemoryCollection(settings));
            return (exit, output.ToString());
        }

        var (listed, list) = await AdminAsync("providers", "list");
        Assert.Equal(0, listed);
        Assert.Contains($"redirect URI {Server.Issuer}/signin/corp/callback", list);
        Assert.Contains("sign-up InvitedOnly", list);
        Assert.DoesNotContain(UpstreamProviderStandIn.ClientSecret, list);

        // tenant-a lets in invited users only: the administrator links the user's tid/oid to an account first.
        var user = await Server.AddUserAsync();
        var login = NewLogin();
        var oid = EntraShapedObjectId(UpstreamProviderStandIn.TenantA, login);
        var (linked, _) = await AdminAsync("providers", "link", "--provider", "tenant-a", "--key", $"{UpstreamProviderStandIn.TenantA}/{oid}", "--username", user.Username);
        Assert.Equal(0, linked);

        var clientId = await NewClientAsync();
        var (claims, _, profile) = await SignInThroughAsync(clientId, "tenant-a", login);
        Assert.Equal(user.Subject, claims.GetProperty("sub").GetString());
        // The profile follows the provider.
        Assert.Equal($"{login}@tenant-a.example", profile.GetProperty("email").GetString());
        Assert.False(profile.GetProperty("email_verified").GetBoolean());
    }

    [Fact]
    public async Task AnIndependentRelyingParty_openid_client_SignsInThroughTheProvider_AndKeepsTheSubOnASecondSignIn()
    {
        const string rpRedirect = "http://127.0.0.1:9/openid-client-callback";
        var clientId = (await Server.AddRelyingPartyAsync(rpRedirect)).ClientId;
        var login = NewLogin();
        var subjects = new List<string>();
        for (var round = 0; round < 2; round++)
        {
            using var rp = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("node")
            {
                ArgumentList = { Path.Combine(RepositoryPaths.Root, "tests", "Serverless.Testing", "Upstream", "relying-party.mjs"), Server.Issuer, clientId, rpRedirect },
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            try
            {
                var start = JsonDocument.Parse((await rp.StandardOutput.ReadLineAsync())!).RootElement;
                Assert.True(start.TryGetProperty("url", out var url), start.ToString());
                var browser = NewBrowser(Server.BaseAddress);
                var pathAndQuery = new Uri(url.GetString()!).PathAndQuery.TrimStart('/');
                var back = await AtTheProviderAsync(browser, await ChooseAsync(browser, pathAndQuery, "generic"), login);
                var answer = await browser.GetAsync(back);
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    var html = await answer.Content.ReadAsStringAsync();
                    answer = await browser.PostAsync("authorize", new FormUrlEncodedContent([.. OAuthFlow.HiddenFieldValues(html), new("decision", "allow")]));
                }

                Assert.StartsWith(rpRedirect, answer.Headers.Location!.ToString());
                await rp.StandardInput.WriteLineAsync(answer.Headers.Location!.ToString());
                await rp.StandardInput.FlushAsync();
                var result = JsonDocument.Parse((await rp.StandardOutput.ReadLineAsync())!).RootElement;
                Assert.True(result.TryGetProperty("claims", out var claims), result.ToString());
                Assert.Equal(Server.Issuer, claims.GetProperty("iss").GetString());
                subjects.Add(claims.GetProperty("sub").GetString()!);
            }
            finally
            {
                if (!rp.HasExited)
                {
                    rp.Kill();
                }
            }
        }

        Assert.Equal(subjects[0], subjects[1]);
    }

    [Fact]
    public async Task GitHub_LinksByTheNumericId_TakesOnlyAVerifiedPrimaryAddress_AndARenamedLoginKeepsTheSub()
    {
        var clientId = await NewClientAsync();
        var id = Random.Shared.NextInt64(1, long.MaxValue);
        fixture.GitHub.NextUser = new GitHubUser(id, "octo", "Octo Cat",
            [new("octo@unverified.example", Primary: false, Verified: false), new("octo@example.com", Primary: true, Verified: true)]);

        async Task<(string Sub, JsonElement Profile)> SignInAsync()
        {
            var browser = NewBrowser(Server.BaseAddress);
            var (verifier, challenge) = OAuthFlow.NewPkce();
            var toGitHub = await ChooseAsync(browser, Authorize(clientId, challenge), "github");
            Assert.Equal(HttpStatusCode.SeeOther, toGitHub.StatusCode);
            var query = QueryHelpers.ParseQuery(toGitHub.Headers.Location!.Query);
            Assert.Equal("read:user user:email", query["scope"]);
            Assert.Equal("S256", query["code_challenge_method"]);
            var back = (await browser.GetAsync(toGitHub.Headers.Location)).Headers.Location!;
            Assert.StartsWith(Server.Issuer + "/signin/github/callback", back.ToString());
            var tokens = await AllowAndRedeemAsync(browser, clientId, await browser.GetAsync(back), verifier);
            using var userInfo = new HttpRequestMessage(HttpMethod.Get, "userinfo");
            userInfo.Headers.Authorization = new("Bearer", tokens.GetProperty("access_token").GetString());
            return (IdTokenClaims(tokens).GetProperty("sub").GetString()!, await OAuthFlow.JsonAsync(await browser.SendAsync(userInfo)));
        }

        var (sub, profile) = await SignInAsync();
        Assert.Equal("octo@example.com", profile.GetProperty("email").GetString());
        Assert.True(profile.GetProperty("email_verified").GetBoolean());

        // A login is a name that can change hands: the same id renamed is the same account ...
        fixture.GitHub.NextUser = fixture.GitHub.NextUser with { Login = "octo-renamed" };
        Assert.Equal(sub, (await SignInAsync()).Sub);

        // ... and another id under the old login is another account; with no verified primary address, none is kept.
        fixture.GitHub.NextUser = new GitHubUser(id - 1, "octo", null, [new("octo@example.com", Primary: true, Verified: false)]);
        var (other, otherProfile) = await SignInAsync();
        Assert.NotEqual(sub, other);
        Assert.False(otherProfile.TryGetProperty("email", out _));
    }

    /// <summary>The oid the Entra-shaped stand-in gives a user (upstream-provider.mjs, uuidOf).</summary>
    private static string EntraShapedObjectId(string tenant, string login)
    {
        var hex = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{tenant}:{login}")));
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }

    [GeneratedRegex("<form[^>]*id=\"providers\"[\\s\\S]*?</form>")]
    private static partial Regex ProvidersForm();
}

/// <summary>A server of either host whose upstream providers are the oidc-provider stand-in's, started for it.</summary>
public abstract class UpstreamServerFixture(Func<Uri, Dictionary<string, string?>, int, Task<IOAuthTestServer>> start) : IAsyncLifetime
{
    public IOAuthTestServer Server { get; private set; } = null!;

    public UpstreamProviderStandIn Upstream { get; private set; } = null!;

    public GitHubStandIn GitHub { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var port = FreePort.Next();
        var address = new Uri($"http://127.0.0.1:{port}/");
        Upstream = await UpstreamProviderStandIn.StartAsync(address);
        GitHub = await GitHubStandIn.StartAsync();
        Server = await start(address, Upstream.Settings(GitHub.Settings()), port);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }

        if (GitHub is not null)
        {
            await GitHub.DisposeAsync();
        }
    }
}

public sealed class UpstreamLocalHostFixture()
    : UpstreamServerFixture(async (_, settings, port) => await LocalServer.StartAsync(settings, clock: ManualClock.Running(), port: port));

public sealed class UpstreamFunctionsWorkerFixture()
    : UpstreamServerFixture(async (_, settings, port) => await FunctionsWorkerServer.StartAsync(settings, port: port));

public sealed class LocalHostUpstreamSignInContractTests(UpstreamLocalHostFixture fixture) : UpstreamSignInContractTests<UpstreamLocalHostFixture>(fixture);

public sealed class FunctionsWorkerUpstreamSignInContractTests(UpstreamFunctionsWorkerFixture fixture) : UpstreamSignInContractTests<UpstreamFunctionsWorkerFixture>(fixture);
