using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Serverless.BrowserTests;

/// <summary>The demo client's page as a person sees it: its buttons, panels and the diagram's highlighted step.</summary>
public sealed partial class DemoClientPage(IPage page)
{
    public const string Username = "demo";
    public const string Password = "demo-password";

    public ILocator SignIn => page.GetByRole(AriaRole.Button, new() { Name = "Sign in with the demo client" });

    public ILocator CallResource => page.GetByRole(AriaRole.Button, new() { Name = "Call the resource" });

    public ILocator Refresh => page.GetByRole(AriaRole.Button, new() { Name = "Refresh" });

    public ILocator Revoke => page.GetByRole(AriaRole.Button, new() { Name = "Revoke" });

    public ILocator SignOut => page.GetByRole(AriaRole.Button, new() { Name = "Sign out" });

    public ILocator Status => page.GetByRole(AriaRole.Status);

    public ILocator ExpiresIn => page.Locator("#expires-in");

    public ILocator ResourceStatus => page.Locator("#resource-status");

    public ILocator ErrorCode => page.Locator("#error-code");

    /// <summary>Opens /demo and waits until its script has started (and finished any code exchange).</summary>
    public async Task<IResponse?> OpenAsync(string path = "demo")
    {
        var response = await page.GotoAsync(path);
        await WaitUntilReadyAsync();
        return response;
    }

    public Task WaitUntilReadyAsync() => Expect(page.Locator("html")).ToHaveAttributeAsync("data-demo-ready", "true");

    /// <summary>The diagram highlights <paramref name="step"/> as the current one, as it happened or as refused.</summary>
    public async Task ExpectStepAsync(string step, bool failed = false)
    {
        var diagram = page.Locator("#diagram");
        await Expect(diagram).ToHaveAttributeAsync("data-current-step", step);
        await Expect(diagram).ToHaveAttributeAsync("data-outcome", failed ? "failed" : "ok");
        await Expect(page.Locator($"#step-{step}")).ToHaveClassAsync(new Regex(failed ? @"\bfailed\b" : @"\bactive\b"));
    }

    /// <summary>Sign in, type the demo credentials on the server's sign-in step, and press Allow if the consent step follows.</summary>
    public async Task SignInAndAllowAsync()
    {
        await SignIn.ClickAsync();
        await Expect(page).ToHaveURLAsync(AuthorizeUrl());
        await page.GetByLabel("Username").FillAsync(Username);
        await page.GetByLabel("Password").FillAsync(Password);
        await SubmitSignInAsync(page);
        await ExpectStepAsync("token");
    }

    /// <summary>The server's "Sign in" button (exactly: the demo's own is "Sign in with the demo client").</summary>
    public static ILocator SignInButton(IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true });

    /// <summary>
    /// Presses the sign-in step's "Sign in" and, when the server goes on to the consent step (this user's first
    /// sign-in to the app, or something new asked), Allow. A returning user goes straight back to the app.
    /// </summary>
    public static async Task SubmitSignInAsync(IPage page)
    {
        await SignInButton(page).ClickAsync();
        await Expect(SignInButton(page)).ToHaveCountAsync(0);
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        var allow = page.GetByRole(AriaRole.Button, new() { Name = "Allow" });
        if (await allow.CountAsync() > 0)
        {
            await allow.ClickAsync();
        }
    }

    public async Task<JsonElement> ClaimsAsync() => Json(await page.Locator("#token-claims").TextContentAsync());

    public async Task<JsonElement> IdTokenClaimsAsync() => Json(await page.Locator("#id-token-claims").TextContentAsync());

    public async Task<JsonElement> IdTokenHeaderAsync() => Json(await page.Locator("#id-token-header").TextContentAsync());

    public async Task<JsonElement> HeaderAsync() => Json(await page.Locator("#token-header").TextContentAsync());

    public async Task<string> RefreshTokenAsync() => await page.Locator("#refresh-token").TextContentAsync() ?? "";

    [GeneratedRegex(@"/authorize\?")]
    public static partial Regex AuthorizeUrl();

    private static JsonElement Json(string? text) => JsonDocument.Parse(text ?? "null").RootElement.Clone();
}
