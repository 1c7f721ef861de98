using System.Net;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.IntegrationTests;

/// <summary>
/// The storage requests each request costs, counted on the wire (every request the table clients send to Azurite), and
/// for the sign-in the round trips it waits for (requests sent at once count once): the sign-in step with the password
/// 9 requests in 5 round trips and Allow on the consent step after it 6 in 4, 11 for a user's next sign-in on the
/// instance; a whole first code flow with the purge of all it wrote 30 requests (17 for the flow, 13 for the purge);
/// an authorization with a session and remembered consent 5, a logout with an ID token hint 2, code exchange 2,
/// refresh 2, /resource 1, client_credentials 0 once the client is cached.
/// Counts, not timings: one more round trip on any of these paths is a regression in cost per token.
/// </summary>
public sealed class StorageRoundTripTests : IAsyncLifetime
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private LocalServer _server = null!;
    private StorageRequestCounter _counter = null!;
    private OAuthFlow _flow = null!;

    public async Task InitializeAsync()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        // Answers held 100 ms: requests sent together are never taken for a chain (RoundTrips), however the machine schedules them.
        _counter = new StorageRequestCounter(storage.TablePrefix) { AnswerHold = TimeSpan.FromMilliseconds(100) };
        var tableOptions = OAuthTables.DefaultClientOptions();
        tableOptions.AddPolicy(_counter, HttpPipelinePosition.PerRetry);
        _server = await LocalServer.StartAsync(
            tablePrefix: storage.TablePrefix,
            services: services => services.AddSingleton(new OAuthTables(storage, null, tableOptions)));
        _flow = new OAuthFlow(_server);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ASignIn_CostsNineRequests_InFiveRoundTrips_AndTheConsentAfterItSixInFour()
    {
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await _server.AddUserAsync();
        var html = await LoginPageAsync(client.ClientId);

        _counter.Reset();
        var signedIn = await _flow.Http.PostAsync("authorize", new FormUrlEncodedContent(
            [.. OAuthFlow.PasswordFormFields(html), new("username", user.Username), new("password", LocalServer.Password)]));
        var consent = await signedIn.Content.ReadAsStringAsync();
        Assert.True(OAuthFlow.IsConsentPage(consent), consent);
        // The sign-in step, for a user who has not allowed this app before, ends on the consent step. At once: the
        // account's and the address's expiry index entries (one transaction) and the user (1 round trip); the two
        // lockout rows with their leases (2); after the password, the two leases given back (3); the new session's
        // entry and the remembered consent, read while the session is written (4); the session (5).
        Assert.Equal(9, _counter.Total);
        Assert.Equal(5, _counter.RoundTrips);
        Assert.Equal(4, _counter.Snapshot().Where(p => p.Key.EndsWith(" lockouts", StringComparison.Ordinal)).Sum(p => p.Value));
        Assert.Equal(1, _counter.Snapshot().GetValueOrDefault("PUT sessions") + _counter.Snapshot().GetValueOrDefault("PATCH sessions"));

        // Allow: the session and the remembered consent are read again (the page's post is a request of its own), then
        // the new partitions' expiry entries, and the code and the family written with the consent.
        _counter.Reset();
        var response = await _flow.PostConsentAsync(consent);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(6, _counter.Total);
        Assert.Equal(4, _counter.RoundTrips);
    }

    [Fact]
    public async Task TheNextSignIn_OnTheSameInstance_RewritesNoIndexEntryItLeavesUnchanged()
    {
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await _server.AddUserAsync();
        var first = await _flow.PostLoginFormAsync(await LoginPageAsync(client.ClientId), user.Username, LocalServer.Password);
        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);

        // Another browser, so no session: the password again.
        var other = new OAuthFlow(_server);
        var page = await other.Http.GetAsync(AuthorizeQuery(client.ClientId));
        var html = await page.Content.ReadAsStringAsync();
        _counter.Reset();
        var response = await other.PostLoginFormAsync(html, user.Username, LocalServer.Password);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        // The account's and the address's lockout entries and the user's consent partition's entry were written by the
        // first sign-in and are not due: 2 transactions fewer. The new session and the new code's family are new partitions.
        Assert.Equal(11, _counter.Total);
        Assert.Equal(2, _counter.Snapshot().GetValueOrDefault("PUT expiry"));
    }

    [Fact]
    public async Task AWholeCodeFlow_WithThePurgeOfAllItWrote_CostsThirtyRequests_SeventeenForTheFlow_ThirteenForThePurge()
    {
        var flow = await AFirstCodeFlowPastEveryExpiryAsync();

        var purged = await _server.Get<ExpiryPurge>().RunAsync();

        Assert.Equal(0, purged.PartitionsRescheduled);
        // A first sign-in is two posts (the sign-in step, then Allow on the consent step); the second reads the session
        // and the consent again, which the single combined page did not.
        Assert.Equal((17, 13), (flow, _counter.Total - flow));
    }

    [Fact]
    public async Task ThePurgeSpreadBucketByBucket_AsTheFunctionsAppRunsIt_ReadsEachOfTheFlowsFourBucketsOnceMore()
    {
        var flow = await AFirstCodeFlowPastEveryExpiryAsync();

        // The timer names the due buckets, the queue trigger purges each (ExpiryPurgeFunction).
        var purge = _server.Get<ExpiryPurge>();
        var buckets = await purge.DueBucketsAsync().ToListAsync();
        foreach (var bucket in buckets)
        {
            await purge.PurgeBucketAsync(bucket);
        }

        // The lockout pair shares a bucket; the session, the code's family and the consent partition expire in other
        // minutes. The timer's query of the due keys stands for the whole run's query: 4 queries more than 13.
        Assert.Equal(4, buckets.Count);
        Assert.Equal((17, 17), (flow, _counter.Total - flow));
    }

    /// <summary>A first password code flow (the sign-in step, Allow, the exchange) counted, then time moved past every expiry it wrote.</summary>
    private async Task<int> AFirstCodeFlowPastEveryExpiryAsync()
    {
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await _server.AddUserAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        // The client is read once per instance and then cached, as on any busy instance.
        await LoginPageAsync(client.ClientId);

        _counter.Reset();
        var page = await _flow.Http.GetAsync(AuthorizeQuery(client.ClientId, challenge));
        var response = await _flow.PostLoginFormAsync(await page.Content.ReadAsStringAsync(), user.Username, LocalServer.Password);
        var code = OAuthFlow.RedirectParameters(response)["code"];
        await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));

        // Past every expiry it wrote (the consent's, 90 days, is the last).
        await _server.PassTimeAsync(TimeSpan.FromDays(91));
        return _counter.Total;
    }

    private static string AuthorizeQuery(string clientId, string? challenge = null) => OAuthFlow.AuthorizeQuery(
        ("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect), ("scope", "read"),
        ("code_challenge", challenge ?? OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"));

    private async Task<string> LoginPageAsync(string clientId) =>
        await (await _flow.Http.GetAsync(AuthorizeQuery(clientId))).Content.ReadAsStringAsync();

    [Fact]
    public async Task AnAuthorization_WithASession_AndConsentRemembered_CostsFiveRoundTrips()
    {
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await _server.AddUserAsync();
        await _flow.GetCodeAsync(client.ClientId, Redirect, user.Username, OAuthFlow.NewPkce().Challenge, scope: "read");

        _counter.Reset();
        var response = await _flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        // The session (1 read; its idle end is not due for renewal), the consent (1 read), the code (entry, row) and
        // its family in the user's consent partition (the row; the partition's entry, written by the sign-in on this
        // instance, is not due).
        Assert.Equal(5, _counter.Total);
        Assert.Equal(1, _counter.Snapshot()["GET sessions"]);
        Assert.Equal(1, _counter.Snapshot()["GET consents"]);
    }

    [Fact]
    public async Task ALogout_WithAnIdTokenHint_CostsTwoRoundTrips_TheSessionAndItsDelete()
    {
        var client = await _server.AddRelyingPartyAsync(Redirect);
        var user = await _server.AddUserAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await _flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge, scope: "openid");
        var tokens = await OAuthFlow.JsonAsync(await _flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));

        _counter.Reset();
        var response = await _flow.Http.GetAsync("endsession?id_token_hint=" + tokens.GetProperty("id_token").GetString());

        Assert.Contains("You are signed out", await response.Content.ReadAsStringAsync());
        // The hint is checked against the keys in memory and the client is cached since /authorize.
        Assert.Equal(new Dictionary<string, int> { ["GET sessions"] = 1, ["DELETE sessions"] = 1 }, _counter.Snapshot());
    }

    [Fact]
    public async Task CodeExchange_Refresh_AndResource_CostTwoTwoAndOneRoundTrips()
    {
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await _server.AddUserAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await _flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge);

        _counter.Reset();
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));
        Assert.Equal(new Dictionary<string, int> { ["GET grants"] = 1, ["POST $batch"] = 1 }, _counter.Snapshot());

        _counter.Reset();
        await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", client.ClientId)]));
        Assert.Equal(new Dictionary<string, int> { ["GET grants"] = 1, ["POST $batch"] = 1 }, _counter.Snapshot());

        _counter.Reset();
        Assert.Equal(HttpStatusCode.OK, (await _flow.GetResourceAsync(accessToken)).StatusCode);
        Assert.Equal(new Dictionary<string, int> { ["GET revocations"] = 1 }, _counter.Snapshot());
    }

    [Fact]
    public async Task ClientCredentials_AfterTheFirstToken_CostsNoRoundTrip()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync();
        await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret)));

        _counter.Reset();
        for (var i = 0; i < 3; i++)
        {
            await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret)));
        }

        Assert.Equal(0, _counter.Total);
    }
}
