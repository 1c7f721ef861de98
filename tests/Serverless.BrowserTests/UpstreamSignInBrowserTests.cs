using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Users;
using Serverless.Testing.Upstream;
using static Microsoft.Playwright.Assertions;

namespace Serverless.BrowserTests;

/// <summary>
/// The demo client signed in through an upstream identity provider in Chromium: the provider's button on our page, the
/// provider's own page (oidc-provider), back to our consent page, Allow, the demo's tokens; and a second sign-in in a
/// new browser, which sees no consent and gets the same sub. Once on the local host, once through the Functions app's
/// real worker behind the host emulator.
/// </summary>
public abstract class UpstreamSignInBrowserTests<TServer>(BrowserHost<TServer> fixture)
    where TServer : IOAuthTestServer
{
    protected async Task<string> SignInThroughAsync(string button, string? login, bool expectConsent, string testName)
    {
        await using var browser = await fixture.NewPageAsync(testName);
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        await demo.OpenAsync();
        await demo.SignIn.ClickAsync();
        await Expect(page).ToHaveURLAsync(DemoClientPage.AuthorizeUrl());
        await browser.ScreenshotAsync("choice");
        await page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync();

        // The provider's own page (the GitHub-shaped stand-in signs its next user in without one).
        if (login is not null)
        {
            await page.GetByLabel("Username").FillAsync(login);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in upstream" }).ClickAsync();
        }

        if (expectConsent)
        {
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Allow");
            await Expect(page.GetByLabel("Password")).ToHaveCountAsync(0);
            await browser.ScreenshotAsync("consent");
            await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        }

        await demo.WaitUntilReadyAsync();
        await demo.ExpectStepAsync("token");
        var claims = await demo.IdTokenClaimsAsync();
        browser.AssertNoPageProblems();
        return claims.GetProperty("sub").GetString()!;
    }
}

[Collection(UpstreamBrowserCollection.Name)]
public sealed class LocalUpstreamSignInBrowserTests(UpstreamBrowserFixture fixture) : UpstreamSignInBrowserTests<LocalServer>(fixture)
{
    [Fact]
    public async Task AGenericProvider_FirstSignInAsksConsent_TheSecondInANewBrowserDoesNot_AndTheSubStays()
    {
        var login = "chromium-" + Guid.NewGuid().ToString("N")[..6];
        var first = await SignInThroughAsync("Sign in with Example ID", login, expectConsent: true, "upstream-generic-first");
        var second = await SignInThroughAsync("Sign in with Example ID", login, expectConsent: false, "upstream-generic-second");
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task TheProviderButtons_AreReachedByTab_WithAVisibleFocus_AndEnterStartsTheSignIn()
    {
        await using var browser = await fixture.NewPageAsync("upstream-keyboard");
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        await demo.OpenAsync();
        await demo.SignIn.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(DemoClientPage.AuthorizeUrl());

        // The username has the focus (the password form is on); the buttons come before it, each reached in turn.
        var buttons = page.Locator("button.provider");
        var count = await buttons.CountAsync();
        Assert.True(count >= 2, "the stand-in's providers should be on the page");
        await Expect(page.GetByLabel("Username")).ToBeFocusedAsync();
        for (var i = 0; i < count; i++)
        {
            await page.Keyboard.PressAsync("Shift+Tab");
        }

        for (var i = 0; i < count; i++)
        {
            var button = buttons.Nth(i);
            await Expect(button).ToBeFocusedAsync();
            Assert.NotEqual("none", await button.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle"));
            await page.Keyboard.PressAsync("Tab");
        }

        await Expect(page.GetByLabel("Username")).ToBeFocusedAsync();
        await browser.ScreenshotAsync("provider-focus");

        // Back to "Example ID" and Enter: the provider's own page.
        var names = await buttons.AllTextContentsAsync();
        var index = names.ToList().IndexOf("Sign in with Example ID");
        for (var i = count; i > index; i--)
        {
            await page.Keyboard.PressAsync("Shift+Tab");
        }

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Example ID" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Upstream sign-in");
        await page.Keyboard.TypeAsync("keyboard-" + Guid.NewGuid().ToString("N")[..6]);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Allow" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await demo.ExpectStepAsync("token");
        browser.AssertNoPageProblems();
    }

    [Fact]
    public async Task TheAccountPage_SignsInDirectlyThroughAProvider_AndLandsBackOnIt()
    {
        var login = "account-" + Guid.NewGuid().ToString("N")[..6];
        await using var browser = await fixture.NewPageAsync("upstream-account");
        var page = browser.Page;
        await page.GotoAsync("account");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in to your account");
        await Expect(page.GetByLabel("Password")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("account-sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with Example ID" }).ClickAsync();
        await page.GetByLabel("Username").FillAsync(login);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in upstream" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(fixture.Server.Issuer + "/account");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your account");
        await Expect(page.GetByText("Signed in as")).ToContainTextAsync($"{login}@example.com");
        await browser.ScreenshotAsync("account");
        browser.AssertNoPageProblems();
    }

    [Fact]
    public async Task GitHub_SignsInThroughItsOAuthFlow_AndTheSubStays()
    {
        fixture.GitHub.NextUser = new GitHubUser(Random.Shared.NextInt64(1, long.MaxValue), "chromium-octo", null, [new("octo@example.com", Primary: true, Verified: true)]);
        var first = await SignInThroughAsync("Sign in with GitHub", login: null, expectConsent: true, "upstream-github-first");
        var second = await SignInThroughAsync("Sign in with GitHub", login: null, expectConsent: false, "upstream-github-second");
        Assert.Equal(first, second);
    }
}

[Collection(WorkerUpstreamBrowserCollection.Name)]
public sealed class WorkerUpstreamSignInBrowserTests(WorkerUpstreamBrowserFixture fixture) : UpstreamSignInBrowserTests<FunctionsWorkerServer>(fixture)
{
    [Fact]
    public async Task EntraIdShapedProvider_SignsInThroughTheWorker_AndTheSubStays()
    {
        var login = "chromium-" + Guid.NewGuid().ToString("N")[..6];
        var first = await SignInThroughAsync("Sign in with Contoso (Entra ID)", login, expectConsent: true, "worker-upstream-entra-first");
        var second = await SignInThroughAsync("Sign in with Contoso (Entra ID)", login, expectConsent: false, "worker-upstream-entra-second");
        Assert.Equal(first, second);
    }
}

/// <summary>The demo server with the oidc-provider stand-in as its upstream providers (local host).</summary>
public sealed class UpstreamBrowserFixture : BrowserHost<LocalServer>, IAsyncLifetime
{
    public UpstreamProviderStandIn Upstream { get; private set; } = null!;

    public GitHubStandIn GitHub { get; private set; } = null!;

    protected override async Task<LocalServer> StartServerAsync()
    {
        var port = FreePort.Next();
        Upstream = await UpstreamProviderStandIn.StartAsync(new Uri($"http://127.0.0.1:{port}/"));
        GitHub = await GitHubStandIn.StartAsync();
        var settings = GitHub.Settings();
        settings["OAuth:SeedDemoData"] = "true";
        return await LocalServer.StartAsync(Upstream.Settings(settings), clock: ManualClock.Running(), port: port);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await (Upstream?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (GitHub?.DisposeAsync() ?? ValueTask.CompletedTask);
    }
}

/// <summary>The same through the Functions app's real worker.</summary>
public sealed class WorkerUpstreamBrowserFixture : BrowserHost<FunctionsWorkerServer>, IAsyncLifetime
{
    public UpstreamProviderStandIn Upstream { get; private set; } = null!;

    protected override async Task<FunctionsWorkerServer> StartServerAsync()
    {
        var port = FreePort.Next();
        Upstream = await UpstreamProviderStandIn.StartAsync(new Uri($"http://127.0.0.1:{port}/"));
        var server = await FunctionsWorkerServer.StartAsync(Upstream.Settings(new() { ["OAuth:SeedDemoData"] = "true" }), port: port);
        var clients = server.Services.GetRequiredService<IClientStore>();
        var users = server.Services.GetRequiredService<IUserStore>();
        for (var attempt = 0; !(await clients.ListAsync()).Any(c => c.ClientId == "demo") || await users.FindAsync("demo") is null; attempt++)
        {
            if (attempt == 100)
            {
                throw new InvalidOperationException("The worker did not seed the demo client and user:" + Environment.NewLine + server.Host.Output);
            }

            await Task.Delay(100);
        }

        return server;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await (Upstream?.DisposeAsync() ?? ValueTask.CompletedTask);
    }
}

[CollectionDefinition(Name)]
public sealed class UpstreamBrowserCollection : ICollectionFixture<UpstreamBrowserFixture>
{
    public const string Name = "Browser with upstream providers";
}

[CollectionDefinition(Name)]
public sealed class WorkerUpstreamBrowserCollection : ICollectionFixture<WorkerUpstreamBrowserFixture>
{
    public const string Name = "Browser with upstream providers against the worker";
}
