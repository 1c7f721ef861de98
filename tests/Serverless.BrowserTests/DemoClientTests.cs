using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Serverless.BrowserTests;

/// <summary>The demo client at /demo, driven in Chromium through the whole flow against the real server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DemoClientTests(BrowserFixture fixture)
{
    [Fact]
    public async Task SignIn_Allow_CallTheResource_SeeItExpire_Refresh_AndRevoke()
    {
        await using var browser = await fixture.NewPageAsync("flow");
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        // The page's clock moves forward with the server's, so the access token expires for both without a wait.
        await page.Clock.InstallAsync();
        await demo.OpenAsync();
        await Expect(demo.SignIn).ToBeEnabledAsync();
        await Expect(demo.CallResource).ToBeDisabledAsync();
        await browser.ScreenshotAsync("start");

        await demo.SignIn.ClickAsync();
        await Expect(page).ToHaveURLAsync(DemoClientPage.AuthorizeUrl());
        var authorize = QueryHelpers.ParseQuery(new Uri(page.Url).Query);
        Assert.Equal("demo", authorize["client_id"].ToString());
        Assert.Equal(fixture.Server.Issuer + "/demo/callback", authorize["redirect_uri"].ToString());
        Assert.Equal("S256", authorize["code_challenge_method"].ToString());
        Assert.Equal(43, authorize["code_challenge"].ToString().Length);
        Assert.True(authorize["state"].ToString().Length >= 20, "state should be a fresh random value");
        var nonce = authorize["nonce"].ToString();
        Assert.True(nonce.Length >= 20, "nonce should be a fresh random value");
        await page.GetByLabel("Username").FillAsync(DemoClientPage.Username);
        await page.GetByLabel("Password").FillAsync(DemoClientPage.Password);
        await browser.ScreenshotAsync("login");
        await DemoClientPage.SubmitSignInAsync(page);

        await demo.ExpectStepAsync("token");
        // The code came to /demo/callback and has left the address bar.
        await Expect(page).ToHaveURLAsync(fixture.Server.Issuer + "/demo");
        var header = await demo.HeaderAsync();
        Assert.Equal("at+jwt", header.GetProperty("typ").GetString());
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        var claims = await demo.ClaimsAsync();
        Assert.Equal(fixture.Server.Issuer, claims.GetProperty("iss").GetString());
        Assert.Equal("demo", claims.GetProperty("client_id").GetString());
        Assert.Equal("openid profile read write offline_access", claims.GetProperty("scope").GetString());
        Assert.Equal(600, claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64());

        // With openid, the ID token is shown beside the access token: for this client, about the same user, with the nonce.
        await Expect(page.Locator("#id-token-panel")).ToBeVisibleAsync();
        Assert.Equal("JWT", (await demo.IdTokenHeaderAsync()).GetProperty("typ").GetString());
        var idClaims = await demo.IdTokenClaimsAsync();
        Assert.Equal(fixture.Server.Issuer, idClaims.GetProperty("iss").GetString());
        Assert.Equal("demo", idClaims.GetProperty("aud").GetString());
        Assert.Equal(claims.GetProperty("sub").GetString(), idClaims.GetProperty("sub").GetString());
        Assert.Equal(nonce, idClaims.GetProperty("nonce").GetString());
        Assert.Equal("pwd", idClaims.GetProperty("amr")[0].GetString());
        await Expect(demo.ExpiresIn).ToHaveTextAsync(new Regex(@"^(10:00|9:[0-5]\d)$"));
        await Expect(demo.Status).ToContainTextAsync("Step 4");
        await browser.ScreenshotAsync("token");

        await demo.CallResource.ClickAsync();
        await demo.ExpectStepAsync("resource");
        await Expect(demo.ResourceStatus).ToHaveTextAsync("200 OK");
        await Expect(page.Locator("#resource-body")).ToContainTextAsync("Your access token is valid");
        await browser.ScreenshotAsync("resource");

        // Past the ten-minute lifetime and the resource's 30-second leeway, on both clocks.
        fixture.Server.Clock.Advance(TimeSpan.FromMinutes(11));
        await page.Clock.FastForwardAsync("11:00");
        await Expect(demo.ExpiresIn).ToHaveTextAsync("0:00, expired");
        await demo.CallResource.ClickAsync();
        await demo.ExpectStepAsync("expired");
        await Expect(demo.ResourceStatus).ToHaveTextAsync("401 refused");
        await Expect(page.Locator("#resource-challenge")).ToContainTextAsync("error=\"invalid_token\"");
        await browser.ScreenshotAsync("expired");

        var firstRefreshToken = await demo.RefreshTokenAsync();
        var firstJti = claims.GetProperty("jti").GetString();
        await demo.Refresh.ClickAsync();
        await demo.ExpectStepAsync("refresh");
        Assert.NotEqual(firstJti, (await demo.ClaimsAsync()).GetProperty("jti").GetString());
        Assert.NotEqual(firstRefreshToken, await demo.RefreshTokenAsync());
        var refreshedIdClaims = await demo.IdTokenClaimsAsync();
        Assert.Equal(idClaims.GetProperty("auth_time").GetInt64(), refreshedIdClaims.GetProperty("auth_time").GetInt64());
        Assert.True(refreshedIdClaims.GetProperty("iat").GetInt64() > idClaims.GetProperty("iat").GetInt64());
        await Expect(demo.ExpiresIn).ToHaveTextAsync(new Regex(@"^(10:00|9:[0-5]\d)$"));
        await demo.CallResource.ClickAsync();
        await demo.ExpectStepAsync("resource");
        await Expect(demo.ResourceStatus).ToHaveTextAsync("200 OK");
        await browser.ScreenshotAsync("refreshed");

        await demo.Revoke.ClickAsync();
        await demo.ExpectStepAsync("revoke");
        await browser.ScreenshotAsync("revoked");
        // Revoking the refresh token revoked its family, with the access token the refresh issued.
        await demo.CallResource.ClickAsync();
        await demo.ExpectStepAsync("expired");
        await demo.Refresh.ClickAsync();
        await demo.ExpectStepAsync("refresh", failed: true);
        await Expect(demo.ErrorCode).ToHaveTextAsync("invalid_grant");
        await browser.ScreenshotAsync("refused-after-revoke");

        browser.AssertNoPageProblems();
    }

    [Fact]
    public async Task Deny_ComesBackWithAccessDenied_AndNoTokenRequest()
    {
        await using var browser = await fixture.NewPageAsync("deny");
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        await demo.OpenAsync();

        await demo.SignIn.ClickAsync();
        await Expect(page).ToHaveURLAsync(DemoClientPage.AuthorizeUrl());
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync(); // the sign-in step's way back

        await demo.ExpectStepAsync("callback", failed: true);
        await Expect(demo.ErrorCode).ToHaveTextAsync("access_denied");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "The server said no" })).ToBeVisibleAsync();
        await Expect(demo.Status).ToContainTextAsync("access_denied");
        await Expect(demo.SignIn).ToBeEnabledAsync();
        Assert.DoesNotContain("POST /token", browser.Requests);
        await browser.ScreenshotAsync("access-denied");
        browser.AssertNoPageProblems();
    }

    [Fact]
    public async Task ACallbackWithAnotherState_IsRefused_WithoutSpendingTheCode()
    {
        await using var browser = await fixture.NewPageAsync("forged-callback");
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        await demo.OpenAsync();
        await demo.SignIn.ClickAsync();
        await Expect(page).ToHaveURLAsync(DemoClientPage.AuthorizeUrl());

        // An attacker's link lands on the callback while this tab's sign-in is pending.
        await demo.OpenAsync($"demo/callback?code=attacker-code&state=attacker-state&iss={Uri.EscapeDataString(fixture.Server.Issuer)}");

        await demo.ExpectStepAsync("callback", failed: true);
        await Expect(demo.ErrorCode).ToHaveTextAsync("state_mismatch");
        Assert.DoesNotContain("POST /token", browser.Requests);
        browser.AssertNoPageProblems();
    }

    [Fact]
    public async Task SignOut_RevokesAndForgetsTheTokens()
    {
        await using var browser = await fixture.NewPageAsync("sign-out");
        var page = browser.Page;
        var demo = new DemoClientPage(page);
        await demo.OpenAsync();
        await demo.SignInAndAllowAsync();
        var refreshToken = await demo.RefreshTokenAsync();

        await demo.SignOut.ClickAsync();

        await Expect(page.Locator("#token-panel")).ToBeHiddenAsync();
        await Expect(demo.SignIn).ToBeFocusedAsync();
        await Expect(demo.CallResource).ToBeDisabledAsync();
        await Expect(demo.Status).ToContainTextAsync("Signed out");
        await Expect(page.Locator("#diagram")).ToHaveAttributeAsync("data-current-step", "");
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        var response = await http.PostAsync("token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = "demo",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_grant", await response.Content.ReadAsStringAsync());
        browser.AssertNoPageProblems();
    }

    [Fact]
    public async Task TheDemoPage_HasItsOwnStrictPolicy_ScriptsFromThisOriginOnly()
    {
        await using var browser = await fixture.NewPageAsync("policy");
        var response = await new DemoClientPage(browser.Page).OpenAsync();

        var policy = response!.Headers["content-security-policy"];
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("connect-src 'self'", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.DoesNotContain("unsafe", policy);
        Assert.Equal("no-referrer", response.Headers["referrer-policy"]);

        Assert.Contains("require-trusted-types-for 'script'", policy);

        // An inline script, as an injection would add one, does not run: Trusted Types refuse the string, and the
        // policy would refuse the script.
        var injected = await browser.Page.EvaluateAsync<string>("""
            () => {
              try {
                const script = document.createElement('script');
                script.textContent = 'document.body.dataset.injected = "ran"';
                document.body.append(script);
              } catch {
                // Refused before it could run.
              }
              return document.body.dataset.injected ?? 'did not run';
            }
            """);
        Assert.Equal("did not run", injected);
    }
}
