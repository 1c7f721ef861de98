using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Serverless.BrowserTests;

/// <summary>
/// The demo client's flow in Chromium against the Functions app's real worker behind the host emulator: what a
/// person does with the deployed app. Expiry is left to the local host's test, whose clock can jump.
/// </summary>
[Collection(WorkerBrowserCollection.Name)]
public sealed class WorkerDemoClientTests(WorkerBrowserFixture fixture)
{
    [Fact]
    public async Task SignIn_Allow_CallTheResource_Refresh_AndRevoke_ThroughTheWorker()
    {
        await using var browser = await fixture.NewPageAsync("worker-flow");
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        await demo.OpenAsync();

        await demo.SignInAndAllowAsync();
        await Expect(page).ToHaveURLAsync(fixture.Server.Issuer + "/demo");
        var claims = await demo.ClaimsAsync();
        Assert.Equal(fixture.Server.Issuer, claims.GetProperty("iss").GetString());
        Assert.Equal("demo", claims.GetProperty("client_id").GetString());
        await browser.ScreenshotAsync("token");

        await demo.CallResource.ClickAsync();
        await demo.ExpectStepAsync("resource");
        await Expect(demo.ResourceStatus).ToHaveTextAsync("200 OK");

        var firstRefreshToken = await demo.RefreshTokenAsync();
        await demo.Refresh.ClickAsync();
        await demo.ExpectStepAsync("refresh");
        Assert.NotEqual(firstRefreshToken, await demo.RefreshTokenAsync());
        await demo.CallResource.ClickAsync();
        await demo.ExpectStepAsync("resource");
        await Expect(demo.ResourceStatus).ToHaveTextAsync("200 OK");

        await demo.Revoke.ClickAsync();
        await demo.ExpectStepAsync("revoke");
        await demo.CallResource.ClickAsync();
        await demo.ExpectStepAsync("expired");
        await Expect(page.Locator("#resource-challenge")).ToContainTextAsync("error=\"invalid_token\"");
        await demo.Refresh.ClickAsync();
        await demo.ExpectStepAsync("refresh", failed: true);
        await Expect(demo.ErrorCode).ToHaveTextAsync("invalid_grant");
        await browser.ScreenshotAsync("revoked");

        browser.AssertNoPageProblems();
    }
}
