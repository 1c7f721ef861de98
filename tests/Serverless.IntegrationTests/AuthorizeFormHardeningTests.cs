using System.Net;

namespace Serverless.IntegrationTests;

/// <summary>
/// The login form's answer and the authorization request's structure: 303 after the form's POST, the CSRF cookie
/// read only under the name this server sets, and repeated client_id or redirect_uri always shown on a page.
/// </summary>
public sealed class AuthorizeFormHardeningTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private string _clientId = null!;
    private string _username = null!;

    protected override async Task SetUpAsync()
    {
        _clientId = (await Server.AddPublicClientAsync(redirectUris: Redirect)).ClientId;
        _username = (await Server.AddUserAsync()).Username;
    }

    private string Query() => OAuthFlow.AuthorizeQuery(
        ("response_type", "code"), ("client_id", _clientId), ("redirect_uri", Redirect), ("scope", "read"), ("state", "s-1"),
        ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"));

    [Fact]
    public async Task TheRedirectAfterTheLoginFormPost_Is303SeeOther()
    {
        var allowed = await Flow.SignInAsync(Query(), _username, LocalServer.Password);
        // prompt=consent: the browser is signed in and the scope allowed by now, so only this shows the page again.
        var denied = await Flow.SignInAsync(Query() + "&prompt=consent", _username, "", decision: "deny");

        Assert.Equal(HttpStatusCode.SeeOther, allowed.StatusCode);
        Assert.StartsWith(Redirect + "?code=", allowed.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.SeeOther, denied.StatusCode);
        Assert.Contains("error=access_denied", denied.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task AnErrorRedirectFromGet_StaysA302()
    {
        var response = await Flow.Http.GetAsync(Query().Replace("response_type=code", "response_type=token", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Contains("error=unsupported_response_type", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("redirect_uri=https%3A%2F%2Fevil.example%2F")]
    [InlineData("redirect_uri=" + "http%3A%2F%2F127.0.0.1%3A9%2Fcallback")]
    [InlineData("client_id=other")]
    public async Task ARepeatedClientIdOrRedirectUri_AfterAnotherRepeatedName_ShowsTheErrorPage(string repeated)
    {
        // RFC 6749 §4.1.2.1: the redirect URI is in doubt, so the user sees a page and is never redirected.
        var query = Query().Replace("authorize?", "authorize?zz=1&zz=2&", StringComparison.Ordinal) + "&" + repeated;

        var response = await Flow.Http.GetAsync(query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("is repeated", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task InProduction_APlantedUnprefixedCsrfCookie_DoesNotPassTheDoubleSubmitCheck()
    {
        await using var production = await LocalServer.StartAsync(environment: "Production");
        var client = await production.AddPublicClientAsync(redirectUris: Redirect);
        var user = await production.AddUserAsync();
        var fields = await OAuthFlow.FilledLoginFormAsync(production, client.ClientId, Redirect, user.Username);
        fields["csrf_token"] = "planted-value";

        var planted = await OAuthFlow.PostWithCookieAsync(production.BaseAddress, "authorize", fields, "oauth_csrf=planted-value");
        var prefixed = await OAuthFlow.PostWithCookieAsync(production.BaseAddress, "authorize", fields, "__Host-oauth_csrf=planted-value");

        Assert.Equal(HttpStatusCode.BadRequest, planted.StatusCode);
        Assert.Null(planted.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, prefixed.StatusCode); // the control: the name the server sets passes (on to the consent step)
        Assert.True(OAuthFlow.IsConsentPage(await prefixed.Content.ReadAsStringAsync()));
    }
}
