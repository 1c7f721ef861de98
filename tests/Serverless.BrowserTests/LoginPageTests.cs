using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Serverless.BrowserTests;

/// <summary>The server's login and consent page as the demo client's user meets it: words, labels, keyboard, errors.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LoginPageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AWrongPassword_KeepsTheUserOnThePage_WithAClearError()
    {
        await using var browser = await fixture.NewPageAsync("wrong-password");
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        await demo.OpenAsync();
        await demo.SignIn.ClickAsync();
        await page.GetByLabel("Username").FillAsync(DemoClientPage.Username);
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await DemoClientPage.SignInButton(page).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The username or password is incorrect.");
        Assert.Equal(fixture.Server.Issuer + "/authorize", page.Url);
        await Expect(page.GetByLabel("Username")).ToHaveValueAsync(DemoClientPage.Username);
        await Expect(page.GetByLabel("Password")).ToHaveValueAsync("");
        await Expect(page.GetByLabel("Password")).ToBeFocusedAsync();
        await Expect(page.GetByLabel("Password")).ToHaveAttributeAsync("aria-invalid", "true");
        await browser.ScreenshotAsync("error");

        // The user can correct it on the same page and carry on.
        await page.GetByLabel("Password").FillAsync(DemoClientPage.Password);
        await DemoClientPage.SubmitSignInAsync(page);
        await demo.ExpectStepAsync("token");
        browser.AssertNoPageProblems();
    }

    [Fact]
    public async Task TheSignInStep_AsksOnlyHowToSignIn_ThenTheConsentStep_NamesTheClient_AndExplainsEachScopeInWords()
    {
        var user = await fixture.Server.AddUserAsync();
        await using var browser = await fixture.NewPageAsync("consent");
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        await demo.OpenAsync();
        await demo.SignIn.ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Sign in to continue to Demo client");
        await Expect(page.GetByLabel("Username")).ToHaveAttributeAsync("autocomplete", "username");
        await Expect(page.GetByLabel("Password")).ToHaveAttributeAsync("autocomplete", "current-password");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Allow" })).ToHaveCountAsync(0);
        await browser.ScreenshotAsync("sign-in");
        await page.GetByLabel("Username").FillAsync(user.Username);
        await page.GetByLabel("Password").FillAsync(TestRegistrations.Password);
        await DemoClientPage.SignInButton(page).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Allow Demo client to use your account?");
        await Expect(page.Locator("#signed-in-as")).ToHaveTextAsync($"Signed in as {user.Username}.");
        var scopes = page.GetByRole(AriaRole.List, new() { Name = "If you allow it, Demo client will be able to:" }).GetByRole(AriaRole.Listitem);
        await Expect(scopes).ToHaveTextAsync([
            new Regex(@"^Sign you in with your account here \(openid\)"),
            new Regex(@"^See your name and username \(profile\)"),
            new Regex("^Read your data"),
            new Regex("^Change your data"),
            new Regex("^Stay signed in"),
        ]);
        await Expect(page.GetByLabel("Password")).ToHaveCountAsync(0);
        await browser.ScreenshotAsync("consent");
        browser.AssertNoPageProblems();
    }

    [Fact]
    public async Task BothSteps_WorkFromTheKeyboard_EnterSignsIn_AndEnterMeansAllow()
    {
        var user = await fixture.Server.AddUserAsync();
        await using var browser = await fixture.NewPageAsync("keyboard");
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        await demo.OpenAsync();
        await demo.SignIn.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(DemoClientPage.AuthorizeUrl());

        // The username has the focus on arrival; Tab walks the form in reading order, with a visible focus ring.
        await Expect(page.GetByLabel("Username")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(user.Username);
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByLabel("Password")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(TestRegistrations.Password);
        await page.Keyboard.PressAsync("Tab");
        var signIn = DemoClientPage.SignInButton(page);
        await Expect(signIn).ToBeFocusedAsync();
        Assert.NotEqual("none", await signIn.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle"));
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeFocusedAsync();

        // Enter in a field submits with the form's first button: Sign in, never Cancel.
        await page.GetByLabel("Password").FocusAsync();
        await page.Keyboard.PressAsync("Enter");

        // The consent step: Allow has the focus, then Deny; Enter means Allow.
        var allow = page.GetByRole(AriaRole.Button, new() { Name = "Allow" });
        await Expect(allow).ToBeFocusedAsync();
        Assert.NotEqual("none", await allow.EvaluateAsync<string>("e => getComputedStyle(e).outlineStyle"));
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Deny" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Shift+Tab");
        await page.Keyboard.PressAsync("Enter");
        await demo.ExpectStepAsync("token");
        browser.AssertNoPageProblems();
    }
}
