using Serverless.OAuth.Protocol;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// Pushed authorization requests (RFC 9126) on both hosts: openid-client pushes its request, the browser brings only
/// client_id and request_uri to /authorize and signs in, and openid-client redeems the code; then each refusal (a
/// reused, expired or another client's request_uri, a bad pushed request, a failed client authentication, a client
/// that must push using plain /authorize). Each test is one browser (one cookie jar).
/// </summary>
public abstract class PushedAuthorizationContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/callback";

    private IOAuthTestServer Server => fixture.Server;

    private static OAuthFlow NewBrowser(IOAuthTestServer server) => new(OAuthFlow.Browser(server.BaseAddress, new CookieContainer()));

    private async Task<(OAuthClient Client, string Secret)> AddClientAsync(bool requirePushed = true)
    {
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var client = new OAuthClient
        {
            ClientId = "par-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Pushing App",
            Type = ClientType.Confidential,
            SecretHash = ClientSecretVerifier.HashSecret(secret),
            RedirectUris = [Redirect],
            AllowedScopes = ["openid", "read"],
            AllowedGrantTypes = [GrantTypes.AuthorizationCode],
            RequirePushedAuthorizationRequests = requirePushed,
        };
        Assert.True(await Server.Services.GetRequiredService<IClientStore>().AddAsync(client));
        return (client, secret);
    }

    /// <summary>A push as a client would send it, authenticated with Basic; returns the answer.</summary>
    private async Task<HttpResponseMessage> PushAsync((OAuthClient Client, string Secret) client, params (string Name, string Value)[] extra)
    {
        (string, string)[] form =
        [
            ("response_type", "code"), ("client_id", client.Client.ClientId), ("redirect_uri", Redirect), ("scope", "openid read"),
            ("state", "st-par"), ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"), .. extra,
        ];
        return await new OAuthFlow(Server).PostFormAsync("par", form, (client.Client.ClientId, client.Secret));
    }

    private async Task<string> PushedRequestUriAsync((OAuthClient Client, string Secret) client)
    {
        var response = await PushAsync(client);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await OAuthFlow.JsonAsync(response)).GetProperty("request_uri").GetString()!;
    }

    private static string AuthorizeWith(string clientId, string requestUri) =>
        OAuthFlow.AuthorizeQuery(("client_id", clientId), ("request_uri", requestUri));

    private static async Task AssertInvalidRequestUriPageAsync(HttpResponseMessage response)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {html}");
        Assert.Null(response.Headers.Location);
        Assert.Contains("invalid_request_uri", html);
    }

    [Fact]
    public async Task OpenIdClient_PushesItsRequest_TheUserSignsIn_AndOpenIdClientRedeemsTheCode()
    {
        // Required for this client: a plain /authorize request would be refused, so the code proves the push was used.
        var client = await AddClientAsync(requirePushed: true);
        var user = await Server.AddUserAsync();
        var pushed = await NodeScript.RunAsync("openid-client-par.mjs", new
        {
            step = "push", issuer = Server.Issuer, clientId = client.Client.ClientId, clientSecret = client.Secret, redirectUri = Redirect, scope = "openid read",
        });
        Assert.Equal(Server.Issuer + "/par", pushed.GetProperty("parEndpoint").GetString());
        var url = new Uri(pushed.GetProperty("url").GetString()!);
        Assert.DoesNotContain("redirect_uri", url.Query);

        // The page carries only client_id and request_uri: the parameters stay on the server.
        var browser = NewBrowser(Server);
        var page = await browser.Http.GetAsync(url.PathAndQuery.TrimStart('/'));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(["client_id", "csrf_token", "request_uri"], OAuthFlow.HiddenFieldValues(html).Select(f => f.Key).Distinct().Order());
        var answer = await browser.PostLoginFormAsync(html, user.Username, LocalServer.Password);
        Assert.Equal(HttpStatusCode.SeeOther, answer.StatusCode);

        var tokens = await NodeScript.RunAsync("openid-client-par.mjs", new
        {
            step = "exchange", issuer = Server.Issuer, clientId = client.Client.ClientId, clientSecret = client.Secret,
            callbackUrl = answer.Headers.Location!.ToString(),
            codeVerifier = pushed.GetProperty("codeVerifier").GetString(), state = pushed.GetProperty("state").GetString(), nonce = pushed.GetProperty("nonce").GetString(),
        });
        Assert.Equal(user.Subject, tokens.GetProperty("sub").GetString());
        Assert.Equal(HttpStatusCode.OK, (await browser.GetResourceAsync(tokens.GetProperty("access_token").GetString())).StatusCode);

        // Used: the same request_uri again, even in the same browser, or the form posted again, is a page.
        await AssertInvalidRequestUriPageAsync(await browser.Http.GetAsync(url.PathAndQuery.TrimStart('/')));
        await AssertInvalidRequestUriPageAsync(await browser.PostLoginFormAsync(html, user.Username, LocalServer.Password));
    }

    [Fact]
    public async Task ARequestUri_IsTakenByTheFirstBrowser_ASecondBrowserGetsAPage_AndTheFirstGoesOn()
    {
        var client = await AddClientAsync();
        var user = await Server.AddUserAsync();
        var requestUri = await PushedRequestUriAsync(client);
        var first = NewBrowser(Server);
        var page = await first.Http.GetAsync(AuthorizeWith(client.Client.ClientId, requestUri));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();

        // Another browser with the same request_uri, or the first page's form posted from it: neither goes on.
        var second = NewBrowser(Server);
        await AssertInvalidRequestUriPageAsync(await second.Http.GetAsync(AuthorizeWith(client.Client.ClientId, requestUri)));
        await AssertInvalidRequestUriPageAsync(await second.Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. OAuthFlow.HiddenFieldValues(html), new("username", user.Username), new("password", LocalServer.Password), new("decision", "allow")])));

        var answer = await first.PostLoginFormAsync(html, user.Username, LocalServer.Password);
        var parameters = OAuthFlow.RedirectParameters(answer);
        Assert.True(parameters.ContainsKey("code"), answer.Headers.Location?.ToString());
        Assert.Equal("st-par", parameters["state"]);
    }

    [Fact]
    public async Task AClaimedRequest_OutlivesTheRequestUrisMinute_SoASlowSignInStillGetsItsCode()
    {
        // The request_uri's 60 s are for reaching /authorize; a user who takes minutes to sign in is not sent back.
        var client = await AddClientAsync();
        var user = await Server.AddUserAsync();
        var requestUri = await PushedRequestUriAsync(client);
        var browser = NewBrowser(Server);
        var page = await browser.Http.GetAsync(AuthorizeWith(client.Client.ClientId, requestUri));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();

        await Server.PassTimeAsync(TimeSpan.FromMinutes(5));
        var answer = await browser.PostLoginFormAsync(html, user.Username, LocalServer.Password);
        var parameters = OAuthFlow.RedirectParameters(answer);
        Assert.True(parameters.ContainsKey("code"), $"{answer.StatusCode} {answer.Headers.Location} {await answer.Content.ReadAsStringAsync()}");

        // Still single-use once answered, and a claim lives no longer than its page's form.
        await AssertInvalidRequestUriPageAsync(await browser.PostLoginFormAsync(html, user.Username, LocalServer.Password));
        var slower = await PushedRequestUriAsync(client);
        var abandoned = NewBrowser(Server);
        var abandonedPage = await (await abandoned.Http.GetAsync(AuthorizeWith(client.Client.ClientId, slower))).Content.ReadAsStringAsync();
        await Server.PassTimeAsync(TimeSpan.FromMinutes(31));
        await AssertInvalidRequestUriPageAsync(await abandoned.PostLoginFormAsync(abandonedPage, user.Username, LocalServer.Password));
    }

    [Fact]
    public async Task APushedPromptLogin_AsksForTheSignIn_AndThatSignInAnswersIt_SoTheConsentStepGoesOnToTheCode()
    {
        // prompt=login stays in the pushed request; the consent step's post must not send the user round to sign in again.
        var client = await AddClientAsync();
        var user = await Server.AddUserAsync();
        var browser = NewBrowser(Server);
        var response = await PushAsync(client, ("prompt", "login"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var requestUri = (await OAuthFlow.JsonAsync(response)).GetProperty("request_uri").GetString()!;

        var page = await browser.Http.GetAsync(AuthorizeWith(client.Client.ClientId, requestUri));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.False(OAuthFlow.IsConsentPage(html));
        var signedIn = await browser.Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(html), new("username", user.Username), new("password", LocalServer.Password)]));
        var consent = await signedIn.Content.ReadAsStringAsync();
        Assert.True(OAuthFlow.IsConsentPage(consent), consent);

        var answer = await browser.PostConsentAsync(consent);
        var parameters = OAuthFlow.RedirectParameters(answer);
        Assert.True(parameters.ContainsKey("code"), $"{answer.StatusCode} {answer.Headers.Location}");
    }

    [Fact]
    public async Task AnExpiredRequestUri_IsAPage()
    {
        var client = await AddClientAsync();
        var response = await PushAsync(client);
        var body = await OAuthFlow.JsonAsync(response);
        Assert.Equal(60, body.GetProperty("expires_in").GetInt32());
        Assert.StartsWith("urn:ietf:params:oauth:request_uri:", body.GetProperty("request_uri").GetString());

        await Server.PassTimeAsync(TimeSpan.FromSeconds(61));
        await AssertInvalidRequestUriPageAsync(await NewBrowser(Server).Http.GetAsync(AuthorizeWith(client.Client.ClientId, body.GetProperty("request_uri").GetString()!)));
    }

    [Fact]
    public async Task AnotherClientsRequestUri_AndAnUnknownOne_ArePages()
    {
        var pusher = await AddClientAsync();
        var other = await AddClientAsync();
        var requestUri = await PushedRequestUriAsync(pusher);

        await AssertInvalidRequestUriPageAsync(await NewBrowser(Server).Http.GetAsync(AuthorizeWith(other.Client.ClientId, requestUri)));
        await AssertInvalidRequestUriPageAsync(await NewBrowser(Server).Http.GetAsync(AuthorizeWith(pusher.Client.ClientId, "urn:ietf:params:oauth:request_uri:" + new string('A', 43))));
    }

    [Fact]
    public async Task APushedRequest_IsValidatedLikeAuthorize_WithJsonErrors_AndTheClientAuthenticatedLikeAtToken()
    {
        var client = await AddClientAsync();
        var flow = new OAuthFlow(Server);

        var badRedirect = await PushAsync(client, ("redirect_uri", "https://evil.example/callback"));
        await OAuthFlow.AssertOAuthErrorAsync(badRedirect, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Null(badRedirect.Headers.Location);

        await OAuthFlow.AssertOAuthErrorAsync(await PushAsync(client, ("request_uri", "urn:ietf:params:oauth:request_uri:x")), HttpStatusCode.BadRequest, "invalid_request");
        await OAuthFlow.AssertOAuthErrorAsync(await PushAsync(client, ("code_challenge_method", "plain")), HttpStatusCode.BadRequest, "invalid_request");

        var wrongSecret = await flow.PostFormAsync(
            "par", [("response_type", "code"), ("client_id", client.Client.ClientId), ("redirect_uri", Redirect), ("scope", "openid read")], (client.Client.ClientId, "wrong"));
        await OAuthFlow.AssertOAuthErrorAsync(wrongSecret, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task AClientThatMustPush_IsRefusedAPlainAuthorizeRequest_AndTheMetadataAdvertisesPar()
    {
        var client = await AddClientAsync(requirePushed: true);
        var response = await NewBrowser(Server).Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.Client.ClientId), ("redirect_uri", Redirect), ("scope", "openid read"), ("state", "st-plain"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));
        var parameters = OAuthFlow.RedirectParameters(response);
        Assert.Equal("invalid_request", parameters["error"]);
        Assert.Equal("st-plain", parameters["state"]);

        var metadata = await OAuthFlow.JsonAsync(await new OAuthFlow(Server).Http.GetAsync(".well-known/oauth-authorization-server"));
        Assert.Equal(Server.Issuer + "/par", metadata.GetProperty("pushed_authorization_request_endpoint").GetString());
        Assert.False(metadata.GetProperty("require_pushed_authorization_requests").GetBoolean());
        var discovery = await OAuthFlow.JsonAsync(await new OAuthFlow(Server).Http.GetAsync(".well-known/openid-configuration"));
        Assert.Equal(Server.Issuer + "/par", discovery.GetProperty("pushed_authorization_request_endpoint").GetString());
    }
}

public sealed class LocalHostPushedAuthorizationContractTests(LocalHostFixture fixture) : PushedAuthorizationContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerPushedAuthorizationContractTests(FunctionsWorkerFixture fixture) : PushedAuthorizationContractTests<FunctionsWorkerFixture>(fixture);
