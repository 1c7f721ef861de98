using System.Net;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.IntegrationTests;

/// <summary>
/// The storage round trips each request costs, counted on the wire (every request the table clients send to
/// Azurite): sign-in with the password 14, an authorization with a session and remembered consent 6, a logout with an
/// ID token hint 2, code exchange 2, refresh 2, /resource 1, client_credentials 0 once the client is cached.
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
        _counter = new StorageRequestCounter(storage.TablePrefix);
        var tableOptions = OAuthTables.DefaultClientOptions();
        tableOptions.AddPolicy(_counter, HttpPipelinePosition.PerRetry);
        _server = await LocalServer.StartAsync(
            tablePrefix: storage.TablePrefix,
            services: services => services.AddSingleton(new OAuthTables(storage, null, tableOptions)));
        _flow = new OAuthFlow(_server);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ASignIn_CostsFourteenRoundTrips_TwoReservedAttemptsTheUserTheSessionTheConsentAndTheCode()
    {
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await _server.AddUserAsync();
        var page = await _flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));
        var html = await page.Content.ReadAsStringAsync();

        _counter.Reset();
        var response = await _flow.PostLoginFormAsync(html, user.Username, LocalServer.Password);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        // The account's and the address's attempt are each reserved before the password is checked (expiry index
        // entry, row) and released after it succeeded (delete): 6, the two in parallel. Then the user (1), the new
        // session (entry, row: 2), the consent remembered (1 read), the code (entry, row: 2) and, in the user's
        // consent partition, the code's family with the consent (entry, one transaction: 2).
        Assert.Equal(14, _counter.Total);
        Assert.Equal(4, _counter.Snapshot().Where(p => p.Key.EndsWith(" lockouts", StringComparison.Ordinal)).Sum(p => p.Value));
        Assert.Equal(1, _counter.Snapshot().GetValueOrDefault("PUT sessions") + _counter.Snapshot().GetValueOrDefault("PATCH sessions"));
    }

    [Fact]
    public async Task AnAuthorization_WithASession_AndConsentRemembered_CostsSixRoundTrips()
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
        // its family in the user's consent partition (entry, row).
        Assert.Equal(6, _counter.Total);
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
