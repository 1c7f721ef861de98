using Serverless.OAuth.Protocol;
using System.Text.Json;
using Microsoft.Playwright;
using Serverless.OAuth.Clients;
using static Microsoft.Playwright.Assertions;

namespace Serverless.BrowserTests;

/// <summary>
/// The device authorization grant (RFC 8628) end to end, with two programs this project did not write: openid-client
/// plays the device (asks for a user code, then polls), and Chromium plays the user, with the keyboard alone: opens
/// verification_uri_complete, confirms the pre-filled code with Enter, signs in, and allows with Enter (Allow has the
/// focus). The device then has its tokens. Once through the local host and once through the Functions worker.
/// </summary>
public static class DeviceFlowInBrowser
{
    public static readonly string Script = Path.Combine(RepositoryPaths.Root, "tests", "Serverless.IntegrationTests", "Node", "openid-client-device-flow.mjs");

    public static async Task RunAsync<TServer>(BrowserHost<TServer> host, string testName)
        where TServer : IOAuthTestServer
    {
        var server = host.Server;
        var client = await server.AddPublicClientAsync(grants: [GrantTypes.DeviceCode, GrantTypes.RefreshToken]);
        var user = await server.AddUserAsync();
        await using var device = NodeProcess.Start(Script, new { issuer = server.Issuer, clientId = client.ClientId, scope = "read offline_access" });
        var started = await device.ReadLineAsync();
        var userCode = started.GetProperty("user_code").GetString()!;

        await using var browser = await host.NewPageAsync(testName);
        var page = browser.Page;
        await page.GotoAsync(started.GetProperty("verification_uri_complete").GetString()!);
        var code = page.GetByLabel("Code");
        await Expect(code).ToHaveValueAsync(userCode);
        await Expect(code).ToBeFocusedAsync();
        await browser.ScreenshotAsync("code");
        await code.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in to connect Test Public App");
        await Expect(page.GetByLabel("Username")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(user.Username);
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(TestRegistrations.Password);
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#device-warning")).ToContainTextAsync(userCode);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Allow" })).ToBeFocusedAsync();
        await browser.ScreenshotAsync("consent");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Device connected");

        var tokens = await device.ReadLineAsync(TimeSpan.FromSeconds(90));
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("access_token").GetString()));
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refresh_token").GetString()));
        browser.AssertNoPageProblems();
    }
}

[Collection(BrowserCollection.Name)]
public sealed class DeviceFlowBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public Task OpenIdClientPolls_WhileChromiumEntersTheCodeAndAllows_ThroughTheLocalHost() => DeviceFlowInBrowser.RunAsync(fixture, "device-local");
}

[Collection(WorkerBrowserCollection.Name)]
public sealed class WorkerDeviceFlowBrowserTests(WorkerBrowserFixture fixture)
{
    [Fact]
    public Task OpenIdClientPolls_WhileChromiumEntersTheCodeAndAllows_ThroughTheWorker() => DeviceFlowInBrowser.RunAsync(fixture, "device-worker");
}
