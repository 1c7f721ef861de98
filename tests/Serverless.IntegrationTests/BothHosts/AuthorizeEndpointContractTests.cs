using System.Net;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// GET/POST /authorize over real HTTP, asked of both hosts: validation, the login + consent page, CSRF, and every
/// error path. One server per class; each test registers its own client and user.
/// </summary>
public abstract class AuthorizeEndpointContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private readonly IOAuthTestServer _server = fixture.Server;
    private OAuthFlow _flow = null!;
    private string _clientId = null!;
    private string _username = null!;
    private string _challenge = null!;

    public async Task InitializeAsync()
    {
        _flow = new OAuthFlow(_server);
        _clientId = (await _server.AddPublicClientAsync(redirectUris: Redirect)).ClientId;
        _username = (await _server.AddUserAsync()).Username;
        _challenge = OAuthFlow.NewPkce().Challenge;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private string Query(string? redirectUri = Redirect, string? responseType = "code", string? challenge = "default", string? method = "S256", string? scope = "read", string? clientId = "default") =>
        OAuthFlow.AuthorizeQuery(
            ("response_type", responseType), ("client_id", clientId == "default" ? _clientId : clientId), ("redirect_uri", redirectUri),
            ("scope", scope), ("state", "s-123"), ("code_challenge", challenge == "default" ? _challenge : challenge), ("code_challenge_method", method));

    [Fact]
    public async Task ValidRequest_RendersTheSignInStep_ThenTheConsentStep_WithClientNameScopesAndProtections()
    {
        var response = await _flow.Http.GetAsync(Query(scope: "read write"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Test Public App", html);
        Assert.Contains("<label for=\"username\">", html);
        Assert.Contains("<label for=\"password\">", html);
        Assert.Contains("value=\"deny\"", html); // Cancel
        Assert.DoesNotContain("Read your data", html); // what the app may do is the consent step's question
        Assert.DoesNotContain("value=\"allow\"", html);
        AssertProtected(response, html);

        var consent = await _flow.Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(html), new("username", _username), new("password", LocalServer.Password)]));

        Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        html = await consent.Content.ReadAsStringAsync();
        Assert.Contains("Read your data", html);
        Assert.Contains("Change your data", html);
        Assert.Contains("value=\"allow\"", html);
        Assert.Contains("value=\"deny\"", html);
        Assert.DoesNotContain("type=\"password\"", html);
        AssertProtected(consent, html);
    }

    private static void AssertProtected(HttpResponseMessage response, string html)
    {
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("default-src 'none'", csp);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.Contains("csrf", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(cookie.Split(';')[0].Split('=', 2)[1], OAuthFlow.HiddenFields(html)["csrf_token"]);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/callback?x=1")] // query added
    [InlineData("http://127.0.0.1:9/callback/")] // trailing slash
    [InlineData("http://127.0.0.1:10/callback")] // different port
    [InlineData("http://127.0.0.1:9/Callback")] // different case
    [InlineData("http://127.0.0.1:9/callback#frag")] // fragment
    [InlineData("https://evil.example/callback")] // another host
    public async Task UnregisteredRedirectUri_ShowsErrorPage_NeverRedirects(string redirectUri)
    {
        var response = await _flow.Http.GetAsync(Query(redirectUri: redirectUri));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("cannot be completed", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownClient_ShowsErrorPage_NeverRedirects()
    {
        var response = await _flow.Http.GetAsync(Query(clientId: "no-such-client"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("not registered", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MissingRedirectUri_ShowsErrorPage()
    {
        var response = await _flow.Http.GetAsync(Query(redirectUri: null));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Theory]
    [InlineData(null, "S256", "default", "invalid_request")] // response_type missing
    [InlineData("token", "S256", "default", "unsupported_response_type")]
    [InlineData("code", null, "default", "invalid_request")] // method missing means plain
    [InlineData("code", "plain", "default", "invalid_request")] // plain is not supported
    [InlineData("code", null, null, "invalid_request")] // public client without PKCE
    [InlineData("code", "S256", "too-short", "invalid_request")] // malformed challenge
    public async Task InvalidRequest_WithVerifiedRedirect_RedirectsWithErrorStateAndIss(string? responseType, string? method, string? challenge, string error)
    {
        var response = await _flow.Http.GetAsync(Query(responseType: responseType, method: method, challenge: challenge));

        var parameters = OAuthFlow.RedirectParameters(response);
        Assert.StartsWith(Redirect + "?", response.Headers.Location!.ToString());
        Assert.Equal(error, parameters["error"]);
        Assert.False(string.IsNullOrEmpty(parameters["error_description"]));
        Assert.Equal("s-123", parameters["state"]);
        Assert.Equal(_server.Issuer, parameters["iss"]);
        Assert.False(parameters.ContainsKey("code"));
    }

    [Theory]
    [InlineData("admin")] // unknown scope
    [InlineData("read\"bad")] // malformed
    public async Task BadScope_RedirectsWithInvalidScope(string scope)
    {
        var response = await _flow.Http.GetAsync(Query(scope: scope));

        Assert.Equal("invalid_scope", OAuthFlow.RedirectParameters(response)["error"]);
    }

    [Fact]
    public async Task Allow_WithRightPassword_RedirectsWithCodeStateAndIss()
    {
        var response = await _flow.SignInAsync(Query(), _username, LocalServer.Password);

        var parameters = OAuthFlow.RedirectParameters(response);
        Assert.StartsWith(Redirect + "?code=", response.Headers.Location!.ToString());
        Assert.Matches("^[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}$", parameters["code"]);
        Assert.Equal("s-123", parameters["state"]);
        Assert.Equal(_server.Issuer, parameters["iss"]);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Deny_RedirectsWithAccessDenied()
    {
        var response = await _flow.SignInAsync(Query(), _username, "", decision: "deny");

        var parameters = OAuthFlow.RedirectParameters(response);
        Assert.Equal("access_denied", parameters["error"]);
        Assert.Equal("s-123", parameters["state"]);
        Assert.Equal(_server.Issuer, parameters["iss"]);
        Assert.False(parameters.ContainsKey("code"));
    }

    [Theory]
    [InlineData("wrong password")]
    [InlineData("")]
    public async Task WrongPassword_ShowsThePageAgainWithAMessage_AndNoCode(string password)
    {
        var response = await _flow.SignInAsync(Query(), _username, password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("role=\"alert\"", html);
        Assert.Contains("username or password is incorrect", html);
        Assert.Contains($"value=\"{_username}\"", html);
    }

    [Fact]
    public async Task UnknownUser_ShowsTheSameMessageAsAWrongPassword()
    {
        var response = await _flow.SignInAsync(Query(), "nobody-here", LocalServer.Password);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("username or password is incorrect", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PostWithoutTheCsrfCookie_IsRefused_WithoutARedirect()
    {
        var page = await _flow.Http.GetAsync(Query());
        var fields = OAuthFlow.HiddenFields(await page.Content.ReadAsStringAsync());
        fields["username"] = _username;
        fields["password"] = LocalServer.Password;
        fields["decision"] = "allow";
        var stranger = new OAuthFlow(_server).Http; // another browser: no cookie

        var response = await stranger.PostAsync("authorize", new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task PostWithATamperedRedirectUri_ShowsErrorPage()
    {
        var page = await _flow.Http.GetAsync(Query());
        var html = (await page.Content.ReadAsStringAsync()).Replace(Redirect, "https://evil.example/cb", StringComparison.Ordinal);

        var response = await _flow.PostLoginFormAsync(html, _username, LocalServer.Password);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task LoginPage_AllowsTheVerifiedRedirectOriginAsFormTarget()
    {
        var response = await _flow.Http.GetAsync(Query());

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("form-action 'self' http://127.0.0.1:9", csp);
    }
}

public sealed class LocalHostAuthorizeEndpointContractTests(LocalHostFixture fixture) : AuthorizeEndpointContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerAuthorizeEndpointContractTests(FunctionsWorkerFixture fixture) : AuthorizeEndpointContractTests<FunctionsWorkerFixture>(fixture);
