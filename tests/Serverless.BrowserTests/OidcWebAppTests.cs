using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Users;
using static Microsoft.Playwright.Assertions;
using Serverless.OAuth.Protocol;

namespace Serverless.BrowserTests;

/// <summary>
/// A relying party we did not write: samples/OidcWebApp, ASP.NET Core's OpenIdConnect handler (code + PKCE,
/// form_post), started on a free 127.0.0.1 port against the browser fixture's server, and driven by Chromium through
/// sign-in, a second sign-in on the session, and sign-out through the end-session endpoint. The client must push its
/// authorization requests (RFC 9126), which the handler does by itself.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OidcWebAppTests(BrowserFixture fixture) : IAsyncLifetime
{
    private WebApplication _app = null!;
    private Uri _appAddress = null!;
    private string _username = null!;

    public async Task InitializeAsync()
    {
        _appAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var origin = _appAddress.ToString().TrimEnd('/');
        var client = new OAuthClient
        {
            ClientId = "web-" + Guid.NewGuid().ToString("N")[..8],
            Name = "OIDC web app",
            Type = ClientType.Public,
            RedirectUris = [origin + "/signin-oidc"],
            PostLogoutRedirectUris = [origin + "/signout-callback-oidc"],
            AllowedScopes = ["openid", "profile"],
            AllowedGrantTypes = [GrantTypes.AuthorizationCode],
            // The handler pushes its requests on its own (the metadata advertises /par); required here, so a plain
            // /authorize request would be refused and the sign-ins below prove it pushed.
            RequirePushedAuthorizationRequests = true,
        };
        Assert.True(await fixture.Server.Services.GetRequiredService<IClientStore>().AddAsync(client));
        _username = "web" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await fixture.Server.Services.GetRequiredService<IUserStore>().AddAsync(
            new OAuthUser(_username, Guid.NewGuid().ToString(), UserStore.HashPassword(DemoClientPage.Password), "Web User")));

        _app = OidcWebApp.WebApp.Build(["--urls", _appAddress.ToString()], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Oidc:Authority"] = fixture.Server.Issuer,
                ["Oidc:ClientId"] = client.ClientId,
            });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task SignIn_ThenAgainOnTheSession_ThenSignOutThroughTheEndSessionEndpoint()
    {
        await using var browser = await fixture.NewPageAsync("oidc-web-app");
        var page = browser.Page;
        var status = page.Locator("#status");
        var authorizeQueries = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "GET" && new Uri(request.Url) is { AbsolutePath: "/authorize" } url)
            {
                lock (authorizeQueries)
                {
                    authorizeQueries.Add(url.Query);
                }
            }
        };

        // First sign-in: the server's page, labelled fields, the username focused, the consent asked.
        await page.GotoAsync(_appAddress + "signin");
        await Expect(page.GetByLabel("Username")).ToBeFocusedAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in to continue to OIDC web app");
        await page.GetByLabel("Username").FillAsync(_username);
        await page.GetByLabel("Password").FillAsync(DemoClientPage.Password);
        await browser.ScreenshotAsync("sign-in");
        await page.GetByLabel("Password").PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Allow" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(status).ToHaveTextAsync($"Signed in as {_username}.");
        Assert.StartsWith(_appAddress.ToString(), page.Url, StringComparison.Ordinal);

        // The app forgets its own cookie; signing in again goes through the server without a page: the session
        // stands for the password, the consent is remembered.
        await page.Context.ClearCookiesAsync(new() { Name = ".AspNetCore.Cookies" });
        await page.GotoAsync(_appAddress.ToString());
        await Expect(status).ToHaveTextAsync("You are signed out.");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).ClickAsync();
        await Expect(status).ToHaveTextAsync($"Signed in as {_username}.");
        Assert.Equal(2, browser.Requests.Count(r => r == "POST /authorize")); // the sign-in and the consent, both the first time
        Assert.Equal(2, browser.Requests.Count(r => r == "POST /signin-oidc"));

        // Both sign-ins were pushed: the browser carried a request_uri, never the request's own parameters.
        lock (authorizeQueries)
        {
            Assert.Equal(2, authorizeQueries.Count);
            Assert.All(authorizeQueries, query =>
            {
                Assert.Contains("request_uri=urn", query, StringComparison.Ordinal);
                Assert.DoesNotContain("redirect_uri", query, StringComparison.Ordinal);
            });
        }

        // Sign-out through the end-session endpoint, with the ID token as the hint: no question, back to the app.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(status).ToHaveTextAsync("You are signed out.");
        Assert.Contains("GET /endsession", browser.Requests);
        Assert.Contains("GET /signout-callback-oidc", browser.Requests);

        // Signed out at the server too: its account page asks for a sign-in, and so does a new sign-in to the app.
        await page.GotoAsync(fixture.Server.Issuer + "/account");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in to your account");
        await page.GotoAsync(_appAddress + "signin");
        await Expect(page.GetByLabel("Password")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("signed-out");
        browser.AssertNoPageProblems();
    }
}
