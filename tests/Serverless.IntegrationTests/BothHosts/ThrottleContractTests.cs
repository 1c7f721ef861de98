using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// Brute-force protection as a busy deployment meets it, on both hosts with the default limits: correct secrets and
/// passwords sent at the same time are never refused (checks in flight are not failures), a stranger's wrong secrets
/// throttle only the stranger's address, and wrong passwords sent at once lock the account. Each test speaks from
/// addresses of its own by X-Forwarded-For: the local host sits behind one trusted proxy, the worker behind the
/// Functions front end (played by the host emulator), as deployed.
/// </summary>
public abstract class ThrottleContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/callback";

    private IOAuthTestServer Server => fixture.Server;

    /// <summary>A new browser (its own cookies) behind the proxy, whose address the proxy appends.</summary>
    private OAuthFlow From(string address)
    {
        var flow = new OAuthFlow(Server);
        flow.Http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return flow;
    }

    private static string Authorize(string clientId) => OAuthFlow.AuthorizeQuery(
        ("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect), ("scope", "read"),
        ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"), ("prompt", "login"));

    private static Task<HttpResponseMessage> ClientCredentialsAsync(OAuthFlow flow, string clientId, string secret) =>
        flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read")], (clientId, secret));

    /// <summary>Opens the sign-in page in each browser, then posts all of them at once.</summary>
    private static async Task<HttpResponseMessage[]> SignInAtOnceAsync(OAuthFlow[] browsers, string clientId, string username, Func<int, string> password)
    {
        var pages = await Task.WhenAll(browsers.Select(async browser =>
        {
            var page = await browser.Http.GetAsync(Authorize(clientId));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            return await page.Content.ReadAsStringAsync();
        }));
        return await Task.WhenAll(browsers.Select((browser, i) => browser.PostLoginFormAsync(pages[i], username, password(i))));
    }

    private static async Task<string> DescribeAsync(IEnumerable<HttpResponseMessage> responses) =>
        string.Join("; ", await Task.WhenAll(responses.Select(async r =>
        {
            var body = await r.Content.ReadAsStringAsync();
            return $"{(int)r.StatusCode} {body[..Math.Min(160, body.Length)]}";
        })));

    /// <summary>The addresses the server keeps failure counts for (the lockout rows' partitions "address:...").</summary>
    private async Task<string[]> AddressBucketsAsync()
    {
        var table = await Server.Services.GetRequiredService<OAuthTables>().GetAsync(OAuthTables.Lockouts);
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey.CompareTo("address:") >= 0 && e.PartitionKey.CompareTo("address;") < 0, select: ["PartitionKey"]))
        {
            rows.Add(row.PartitionKey["address:".Length..]);
        }

        return [.. rows];
    }

    [Fact]
    public async Task TwoClientAddresses_ByXForwardedFor_GetBucketsOfTheirOwn()
    {
        var (client, _) = await Server.AddConfidentialClientAsync();

        foreach (var address in new[] { "192.0.2.31", "192.0.2.32" })
        {
            await OAuthFlow.AssertOAuthErrorAsync(await ClientCredentialsAsync(From(address), client.ClientId, "guess"), HttpStatusCode.Unauthorized, "invalid_client");
        }

        var buckets = await AddressBucketsAsync();
        Assert.Contains("192.0.2.31", buckets);
        Assert.Contains("192.0.2.32", buckets);
    }

    [Fact]
    public async Task ThirtyTwoCorrectClientSecretsAtOnce_OnAnInstanceThatNeverCheckedThem_AllGetTokens()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var flow = From("198.51.100.1");

        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => ClientCredentialsAsync(flow, client.ClientId, secret)));

        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.OK).ToArray();
        Assert.True(refused.Length == 0, $"{refused.Length} of 32 refused: {await DescribeAsync(refused.Take(3))}");
    }

    [Fact]
    public async Task FortyLegitimateClientsBehindOneAddress_AtOnce_AllGetTokens()
    {
        var clients = new List<(Serverless.OAuth.Clients.OAuthClient Client, string Secret)>();
        foreach (var batch in Enumerable.Range(0, 40).Chunk(8))
        {
            clients.AddRange(await Task.WhenAll(batch.Select(_ => Server.AddConfidentialClientAsync())));
        }

        var flow = From("198.51.100.2");

        var responses = await Task.WhenAll(clients.Select(c => ClientCredentialsAsync(flow, c.Client.ClientId, c.Secret)));

        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.OK).ToArray();
        Assert.True(refused.Length == 0, $"{refused.Length} of 40 refused: {await DescribeAsync(refused.Take(3))}");
    }

    [Fact]
    public async Task ThirtyTwoBrowsersSigningOneUserIn_WithTheRightPassword_AtOnce_AllGetCodes()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var browsers = Enumerable.Range(0, 32).Select(_ => From("198.51.100.3")).ToArray();

        var responses = await SignInAtOnceAsync(browsers, client.ClientId, user.Username, _ => LocalServer.Password);

        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.SeeOther).ToArray();
        Assert.True(refused.Length == 0, $"{refused.Length} of 32 refused");
        Assert.All(responses, r => Assert.Contains("code", OAuthFlow.RedirectParameters(r).Keys));
    }

    [Fact]
    public async Task FortyWrongPasswordsAtOnce_LockTheAccount_SoTheRightPasswordIsRefused_FromAnyAddress()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var browsers = Enumerable.Range(0, 40).Select(i => From("203.0.113." + (i % 4 + 10))).ToArray();

        var guesses = await SignInAtOnceAsync(browsers, client.ClientId, user.Username, i => "wrong-" + i);

        Assert.All(guesses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var address in new[] { "203.0.113.10", "198.51.100.4" })
        {
            var locked = await From(address).SignInAsync(Authorize(client.ClientId), user.Username, LocalServer.Password);
            Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
            Assert.Contains("Too many failed sign-ins. Try again in", await locked.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task AStrangersWrongSecrets_ThrottleTheStrangersAddress_With429_ButNeverLockTheClient()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var stranger = From("203.0.113.20");

        // More than the per-address allowance (30 by default), at once. A guess that waits too long for the others to
        // be checked may be told to come back (503): no answer says anything about the secret.
        var guesses = await Task.WhenAll(Enumerable.Range(0, 36).Select(i => ClientCredentialsAsync(stranger, client.ClientId, "guess-" + i)));

        Assert.All(guesses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Unauthorized, (HttpStatusCode)429, HttpStatusCode.ServiceUnavailable }));
        Assert.Contains(guesses, r => r.StatusCode == (HttpStatusCode)429);
        var throttled = await ClientCredentialsAsync(stranger, client.ClientId, secret);
        await OAuthFlow.AssertOAuthErrorAsync(throttled, (HttpStatusCode)429, "invalid_request");
        Assert.NotNull(throttled.Headers.RetryAfter?.Delta);

        // Another address has a bucket of its own, and the client itself was never locked.
        await TokenSupport.ReadTokenResponseAsync(await ClientCredentialsAsync(From("198.51.100.5"), client.ClientId, secret));
    }
}

/// <summary>
/// The local host behind one trusted proxy (ForwardedForHops 1); the worker as deployed (the default 0), where the
/// Functions front end's X-Forwarded-For entry reaches it through the host (the emulator plays that part).
/// </summary>
public sealed class ThrottleLocalHostFixture()
    : ServerFixture(async () => await LocalServer.StartAsync(new() { ["OAuth:ForwardedForHops"] = "1" }, clock: ManualClock.Running()));

public sealed class ThrottleFunctionsWorkerFixture()
    : ServerFixture(async () => await FunctionsWorkerServer.StartAsync());

public sealed class LocalHostThrottleContractTests(ThrottleLocalHostFixture fixture) : ThrottleContractTests<ThrottleLocalHostFixture>(fixture);

public sealed class FunctionsWorkerThrottleContractTests(ThrottleFunctionsWorkerFixture fixture) : ThrottleContractTests<ThrottleFunctionsWorkerFixture>(fixture);
