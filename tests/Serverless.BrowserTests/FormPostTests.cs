using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;

namespace Serverless.BrowserTests;

/// <summary>
/// response_mode=form_post in Chromium: the authorization response page posts itself to the client under its strict
/// Content-Security-Policy (the script runs by the page's nonce, and no violation is reported), and without script
/// the button does the same.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FormPostTests(BrowserFixture fixture)
{
    private const string Redirect = "http://127.0.0.1:9/rp-callback";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheResponsePage_PostsTheCodeToTheClient(bool javaScript)
    {
        var client = await fixture.Server.AddRelyingPartyAsync(Redirect);
        var user = await fixture.Server.AddUserAsync();
        await using var browser = await fixture.NewPageAsync(javaScript ? "form-post" : "form-post-noscript", javaScriptEnabled: javaScript);
        var page = browser.Page;
        var posted = new TaskCompletionSource<(string Method, string? Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(Redirect, async route =>
        {
            posted.TrySetResult((route.Request.Method, route.Request.PostData));
            await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/html", Body = "<!doctype html><title>Client</title><p>received</p>" });
        });

        await page.GotoAsync(QueryHelpers.AddQueryString("authorize", new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = client.ClientId,
            ["redirect_uri"] = Redirect,
            ["scope"] = "openid",
            ["state"] = "form-post-state",
            ["response_mode"] = "form_post",
            ["code_challenge"] = Serverless.OAuth.Protocol.Pkce.ComputeChallenge(Serverless.OAuth.Protocol.SecretValues.NewSecret()),
            ["code_challenge_method"] = "S256",
        }));
        await page.GetByLabel("Username").FillAsync(user.Username);
        await page.GetByLabel("Password").FillAsync(TestRegistrations.Password);
        await DemoClientPage.SignInButton(page).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync(); // a new user: the consent step follows
        if (!javaScript)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        }

        var (method, body) = await posted.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("POST", method);
        var fields = QueryHelpers.ParseQuery(body);
        Assert.Equal("form-post-state", fields["state"].ToString());
        Assert.False(string.IsNullOrEmpty(fields["code"].ToString()));
        browser.AssertNoPageProblems();
    }
}
