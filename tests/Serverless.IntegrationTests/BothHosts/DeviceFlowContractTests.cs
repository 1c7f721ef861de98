using Serverless.OAuth.Protocol;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Grants;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// The device authorization grant (RFC 8628) on both hosts: the device authorization response, the verification page
/// (code, sign-in, consent), polling (authorization_pending, slow_down, expired_token, access_denied), tokens exactly
/// once, a guessed user code refused and the per-address bound reached, a client without the grant refused; and
/// openid-client running the whole flow. Each test speaks from an address of its own (X-Forwarded-For), so the
/// brute-force test's throttle touches no other test.
/// </summary>
public abstract partial class DeviceFlowContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private const string DeviceGrant = GrantTypes.DeviceCode;

    private IOAuthTestServer Server => fixture.Server;

    private OAuthFlow From(string address)
    {
        var flow = new OAuthFlow(Server);
        flow.Http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return flow;
    }

    private async Task<OAuthClient> DeviceClientAsync() =>
        await Server.AddPublicClientAsync(grants: [DeviceGrant, GrantTypes.RefreshToken]);

    internal static async Task<JsonElement> StartAsync(OAuthFlow device, string clientId, string scope = "read offline_access")
    {
        var response = await device.PostFormAsync("device_authorization", [("client_id", clientId), ("scope", scope)]);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    internal static Task<HttpResponseMessage> PollAsync(OAuthFlow device, string clientId, JsonElement started) =>
        device.PostTokenAsync([("grant_type", DeviceGrant), ("device_code", started.GetProperty("device_code").GetString()!), ("client_id", clientId)]);

    private static async Task<(HttpResponseMessage Response, string Html)> PostPageAsync(OAuthFlow browser, string html, params (string Name, string Value)[] fields)
    {
        var response = await browser.PostFormAsync("device", [("csrf_token", OAuthFlow.CsrfToken(html)), .. fields]);
        return (response, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The user's side: open verification_uri_complete, confirm the code, sign in, then answer.</summary>
    internal static async Task<string> AnswerAsync(OAuthFlow browser, JsonElement started, string username, string decision)
    {
        var complete = new Uri(started.GetProperty("verification_uri_complete").GetString()!);
        var page = await browser.Http.GetAsync(complete.PathAndQuery.TrimStart('/'));
        var html = await page.Content.ReadAsStringAsync();
        var userCode = started.GetProperty("user_code").GetString()!;
        Assert.Contains($"value=\"{userCode}\"", html); // pre-filled, not yet looked up

        var (signIn, signInHtml) = await PostPageAsync(browser, html, ("user_code", userCode));
        Assert.True(signIn.StatusCode == HttpStatusCode.OK, signInHtml);
        Assert.Contains("name=\"password\"", signInHtml);

        var (consent, consentHtml) = await PostPageAsync(browser, signInHtml, ("user_code", userCode), ("username", username), ("password", TestRegistrations.Password));
        Assert.True(consent.StatusCode == HttpStatusCode.OK, consentHtml);
        Assert.Contains("id=\"device-warning\"", consentHtml);
        Assert.Contains("Test Public App", consentHtml);

        var (done, doneHtml) = await PostPageAsync(browser, consentHtml, ("user_code", userCode), ("decision", decision));
        Assert.True(done.StatusCode == HttpStatusCode.OK, doneHtml);
        return doneHtml;
    }

    [GeneratedRegex("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")]
    private static partial Regex UserCodeShape();

    [Fact]
    public async Task Metadata_AdvertisesTheDeviceAuthorizationEndpointAndGrant()
    {
        var metadata = await OAuthFlow.JsonAsync(await new OAuthFlow(Server).Http.GetAsync(".well-known/oauth-authorization-server"));
        Assert.Equal(Server.Issuer + "/device_authorization", metadata.GetProperty("device_authorization_endpoint").GetString());
        Assert.Contains(DeviceGrant, metadata.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task DeviceAuthorization_ReturnsAShortUserCode_AndPollingIsPendingThenSlowDown()
    {
        var client = await DeviceClientAsync();
        var device = From("192.0.2.101");
        var started = await StartAsync(device, client.ClientId);
        Assert.Matches(UserCodeShape(), started.GetProperty("user_code").GetString());
        Assert.Equal(Server.Issuer + "/device", started.GetProperty("verification_uri").GetString());
        Assert.Equal(600, started.GetProperty("expires_in").GetInt32());
        Assert.Equal(5, started.GetProperty("interval").GetInt32());

        await OAuthFlow.AssertOAuthErrorAsync(await PollAsync(device, client.ClientId, started), HttpStatusCode.BadRequest, "authorization_pending");

        // At once again: sooner than the interval.
        var slow = await PollAsync(device, client.ClientId, started);
        await OAuthFlow.AssertOAuthErrorAsync(slow, HttpStatusCode.BadRequest, "slow_down");
        Assert.Contains("10 seconds", (await OAuthFlow.JsonAsync(slow)).GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task AnApprovedDevice_GetsTokensExactlyOnce_EvenWhenItPollsSixTimesAtOnce()
    {
        var client = await DeviceClientAsync();
        var user = await Server.AddUserAsync();
        var device = From("192.0.2.102");
        var started = await StartAsync(device, client.ClientId);

        var done = await AnswerAsync(From("192.0.2.103"), started, user.Username, "allow");
        Assert.Contains("Device connected", done);

        var polls = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => PollAsync(device, client.ClientId, started)));
        var granted = Assert.Single(polls, p => p.StatusCode == HttpStatusCode.OK);
        var tokens = await OAuthFlow.JsonAsync(granted);
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("access_token").GetString()));
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refresh_token").GetString()));
        foreach (var other in polls.Where(p => p != granted))
        {
            // The others lost the conditional move from approved to redeemed, or came after it.
            await OAuthFlow.AssertOAuthErrorAsync(other, HttpStatusCode.BadRequest, "invalid_grant");
        }

        // And a poll afterwards.
        await OAuthFlow.AssertOAuthErrorAsync(await PollAsync(device, client.ClientId, started), HttpStatusCode.BadRequest, "invalid_grant");

        // The refresh token works like the code grant's.
        var refreshed = await device.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", tokens.GetProperty("refresh_token").GetString()!), ("client_id", client.ClientId)]);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
    }

    [Fact]
    public async Task TwoInstancesThatReadTheSameRow_CannotBothChangeIt()
    {
        var store = Server.Services.GetRequiredService<DeviceAuthorizationStore>();
        var created = await store.CreateAsync("any-client", "read", null, TimeSpan.FromMinutes(10), 5, CancellationToken.None);
        var first = await store.FindByDeviceCodeAsync(created.DeviceCode, CancellationToken.None);
        var second = await store.FindByDeviceCodeAsync(created.DeviceCode, CancellationToken.None);
        first!.Status = second!.Status = DeviceAuthorizationStatus.Redeemed;

        Assert.True(await store.TryReplaceAsync(first, CancellationToken.None));
        Assert.False(await store.TryReplaceAsync(second, CancellationToken.None));
        Assert.Null(await store.FindByDeviceCodeAsync(created.DeviceCode + "x", CancellationToken.None));
    }

    [Fact]
    public async Task ADeniedDevice_GetsAccessDenied()
    {
        var client = await DeviceClientAsync();
        var user = await Server.AddUserAsync();
        var device = From("192.0.2.104");
        var started = await StartAsync(device, client.ClientId);

        Assert.Contains("Device not connected", await AnswerAsync(From("192.0.2.105"), started, user.Username, "deny"));

        await OAuthFlow.AssertOAuthErrorAsync(await PollAsync(device, client.ClientId, started), HttpStatusCode.BadRequest, "access_denied");
    }

    [Fact]
    public async Task ADeviceCodePastItsLifetime_IsExpiredToken_AndItsUserCodeIsNoLongerAccepted()
    {
        var client = await DeviceClientAsync();
        var device = From("192.0.2.106");
        var started = await StartAsync(device, client.ClientId);

        await Server.PassTimeAsync(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        await OAuthFlow.AssertOAuthErrorAsync(await PollAsync(device, client.ClientId, started), HttpStatusCode.BadRequest, "expired_token");
        var browser = From("192.0.2.107");
        var html = await (await browser.Http.GetAsync("device")).Content.ReadAsStringAsync();
        var (refused, _) = await PostPageAsync(browser, html, ("user_code", started.GetProperty("user_code").GetString()!));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
    }

    [Fact]
    public async Task GuessedUserCodes_AreRefused_AndTheAddressIsThrottledAtTheBound_EvenForTheRightCode()
    {
        var client = await DeviceClientAsync();
        var started = await StartAsync(From("192.0.2.108"), client.ClientId);
        var guesser = From("192.0.2.109");
        var html = await (await guesser.Http.GetAsync("device")).Content.ReadAsStringAsync();

        // AddressLockout's default: 30 failures in 15 minutes, then the address is throttled.
        var refused = 0;
        HttpResponseMessage answer;
        while (true)
        {
            (answer, html) = await PostPageAsync(guesser, html, ("user_code", refused % 2 == 0 ? "BCDF-GHJK" : "ZXWV-TSRQ"));
            if (answer.StatusCode != HttpStatusCode.BadRequest || refused > 40)
            {
                break;
            }

            Assert.Contains("id=\"code-error\"", html);
            refused++;
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
        Assert.Equal(29, refused);

        // The right code from that address is refused too; from another address it goes on to the sign-in.
        var (right, _) = await PostPageAsync(guesser, html, ("user_code", started.GetProperty("user_code").GetString()!));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        var other = From("192.0.2.110");
        var otherHtml = await (await other.Http.GetAsync("device")).Content.ReadAsStringAsync();
        var (signIn, signInHtml) = await PostPageAsync(other, otherHtml, ("user_code", started.GetProperty("user_code").GetString()!.ToLowerInvariant().Replace("-", "")));
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains("name=\"password\"", signInHtml);
    }

    [Fact]
    public async Task AClientWithoutTheGrant_IsUnauthorizedClient_AtBothEndpoints()
    {
        var client = await Server.AddPublicClientAsync();
        var device = From("192.0.2.111");
        await OAuthFlow.AssertOAuthErrorAsync(
            await device.PostFormAsync("device_authorization", [("client_id", client.ClientId), ("scope", "read")]), HttpStatusCode.BadRequest, "unauthorized_client");
        await OAuthFlow.AssertOAuthErrorAsync(
            await device.PostTokenAsync([("grant_type", DeviceGrant), ("device_code", "x.y"), ("client_id", client.ClientId)]), HttpStatusCode.BadRequest, "unauthorized_client");

        var allowed = await DeviceClientAsync();
        await OAuthFlow.AssertOAuthErrorAsync(
            await device.PostFormAsync("device_authorization", [("client_id", allowed.ClientId), ("scope", "nope")]), HttpStatusCode.BadRequest, "invalid_scope");
        await OAuthFlow.AssertOAuthErrorAsync(
            await device.PostTokenAsync([("grant_type", DeviceGrant), ("device_code", "unknown.code"), ("client_id", allowed.ClientId)]), HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task OpenIdClient_RunsTheDeviceFlowThroughToTokens()
    {
        var client = await DeviceClientAsync();
        var user = await Server.AddUserAsync();
        await using var script = NodeScript.Start("openid-client-device-flow.mjs", new { issuer = Server.Issuer, clientId = client.ClientId, scope = "read offline_access" });
        var started = await script.ReadLineAsync();

        await AnswerAsync(From("192.0.2.112"), started, user.Username, "allow");

        var tokens = await script.ReadLineAsync(TimeSpan.FromSeconds(90));
        Assert.Equal("bearer", tokens.GetProperty("token_type").GetString()!.ToLowerInvariant());
        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("refresh_token").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await new OAuthFlow(Server).GetResourceAsync(tokens.GetProperty("access_token").GetString())).StatusCode);
    }
}

/// <summary>The local host behind one trusted proxy (so each test has an address of its own); the worker as deployed.</summary>
public sealed class DeviceFlowLocalHostFixture()
    : ServerFixture(async () => await LocalServer.StartAsync(new() { ["OAuth:ForwardedForHops"] = "1" }, clock: ManualClock.Running()));

public sealed class DeviceFlowFunctionsWorkerFixture()
    : ServerFixture(async () => await FunctionsWorkerServer.StartAsync());

public sealed class LocalHostDeviceFlowContractTests(DeviceFlowLocalHostFixture fixture) : DeviceFlowContractTests<DeviceFlowLocalHostFixture>(fixture);

public sealed class FunctionsWorkerDeviceFlowContractTests(DeviceFlowFunctionsWorkerFixture fixture) : DeviceFlowContractTests<DeviceFlowFunctionsWorkerFixture>(fixture);
