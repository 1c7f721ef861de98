using System.Net;
using Azure.Data.Tables;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing.Storage;
using DeviceSteps = Serverless.IntegrationTests.BothHosts.DeviceFlowContractTests<Serverless.IntegrationTests.BothHosts.DeviceFlowLocalHostFixture>;

namespace Serverless.IntegrationTests;

/// <summary>
/// The local host with its storage behind <see cref="StorageFaultProxy"/>: throttling (503 ServerBusy), lost answers
/// (500 OperationTimedOut after the change was applied) and latency. The SDK's retries ride out what passes; storage
/// that stays down gives a clean 503 temporarily_unavailable with Retry-After; and the tables, read straight from
/// Azurite, never hold a half-made change: a code is redeemed or unspent, a rotation keeps a usable token.
/// </summary>
public sealed class StorageThrottlingTests : IAsyncLifetime
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private static readonly int Attempts = OAuthTables.DefaultClientOptions().Retry.MaxRetries + 1;

    private readonly string _prefix = "f" + Guid.NewGuid().ToString("N")[..12];
    private StorageFaultProxy _proxy = null!;
    private OAuthTables _direct = null!;

    public async Task InitializeAsync()
    {
        var azurite = await AzuriteServer.Shared;
        _proxy = await StorageFaultProxy.StartAsync(azurite);
        _direct = new OAuthTables(new StorageOptions { ConnectionString = azurite.ConnectionString, TablePrefix = _prefix });
    }

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Theory]
    [InlineData(StorageFault.ServerBusy)]
    [InlineData(StorageFault.OperationTimedOut)]
    public async Task HalfTheCallsFailingTwice_AreRiddenOutByTheSdkRetries_AndTheFlowCompletes(StorageFault fault)
    {
        await using var server = await StartServerAsync();
        var (flow, client, user) = await SetUpAsync(server);
        _proxy.Fault = fault;
        _proxy.FailedAttempts = Attempts - 2;
        _proxy.FailureShare = 0.5;
        _proxy.Latency = TimeSpan.FromMilliseconds(5);

        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(client, Redirect, user, challenge);
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(Exchange(client, code, verifier)));
        for (var i = 0; i < 3; i++)
        {
            (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(Refresh(client, refreshToken!)));
        }

        Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(accessToken)).StatusCode);
        Assert.True(_proxy.Faults >= 3, $"only {_proxy.Faults} faults injected in {_proxy.Requests} requests");

        // One family: the code spent (its tombstone), three rotated tokens and the active one.
        var family = Family(code);
        var rows = await GrantRowsAsync(family);
        Assert.False(rows.ContainsKey(AuthorizationCodeEntity.Row));
        Assert.True(rows.ContainsKey(RedeemedCodeEntity.Row));
        Assert.Equal(3, rows.Values.Count(r => r.GetString("State") == RefreshTokenState.Rotated));
        Assert.Equal(RefreshTokenState.Active, rows[RefreshTokenEntity.RowKeyFor(SecretValues.Hash(refreshToken!))].GetString("State"));
    }

    [Fact]
    public async Task StorageThatStaysDown_Answers503TemporarilyUnavailable_WithRetryAfter_AfterTheSdksBoundedRetries()
    {
        await using var server = await StartServerAsync();
        var (flow, client, user) = await SetUpAsync(server);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(client, Redirect, user, challenge);

        _proxy.FailedAttempts = int.MaxValue;
        _proxy.FailureShare = 1;
        var before = _proxy.Requests;
        var response = await flow.PostTokenAsync(Exchange(client, code, verifier));

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.ServiceUnavailable, OAuthErrorCodes.TemporarilyUnavailable);
        Assert.Equal("5", response.Headers.RetryAfter?.ToString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        // The first storage call (the code's point read) was tried as often as the retry policy allows, and no more.
        Assert.Equal(Attempts, _proxy.Requests - before);

        // Nothing was written: the code is unspent, and redeems once storage is back.
        var rows = await GrantRowsAsync(Family(code));
        Assert.Equal([AuthorizationCodeEntity.Row], rows.Keys);
        _proxy.Heal();
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(Exchange(client, code, verifier)));
    }

    [Fact]
    public async Task StorageThatStaysDown_TheLoginPageAnswers503_WithRetryAfter()
    {
        await using var server = await StartServerAsync();
        var (flow, client, user) = await SetUpAsync(server);
        var page = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));
        var html = await page.Content.ReadAsStringAsync();

        _proxy.FailedAttempts = int.MaxValue;
        _proxy.FailureShare = 1;
        var response = await flow.PostLoginFormAsync(html, user, LocalServer.Password);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("5", response.Headers.RetryAfter?.ToString());
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task ATransactionWhoseAnswerWasLost_IsRecognisedOnItsRetry_NotTakenForAReplay()
    {
        // No grace window, so the retried rotation cannot lean on it: the store itself must see its own commit.
        await using var server = await StartServerAsync(new() { ["OAuth:RefreshTokenReuseGraceWindow"] = "00:00:00" });
        var (flow, client, user) = await SetUpAsync(server);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(client, Redirect, user, challenge);

        // Every transaction is applied, its first answer lost, and the SDK's retry conflicts with the change it made.
        _proxy.Fault = StorageFault.OperationTimedOut;
        _proxy.Only = StorageOperation.Transaction;
        _proxy.FailedAttempts = 1;
        _proxy.FailureShare = 1;
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(Exchange(client, code, verifier)));
        var (accessToken, successor, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(Refresh(client, refreshToken!)));

        Assert.True(_proxy.Faults >= 2);
        var rows = await GrantRowsAsync(Family(code));
        Assert.Equal(RefreshTokenState.Rotated, rows[RefreshTokenEntity.RowKeyFor(SecretValues.Hash(refreshToken!))].GetString("State"));
        Assert.Equal(RefreshTokenState.Active, rows[RefreshTokenEntity.RowKeyFor(SecretValues.Hash(successor!))].GetString("State"));
        Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(accessToken)).StatusCode);
        _proxy.Heal();
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(Refresh(client, successor!)));
    }

    [Fact]
    public async Task AnInsertWhoseAnswerWasLost_IsItsOwnSuccess_AClientAssertionsFirstUseIsNotAReplay()
    {
        await using var server = await StartServerAsync();
        using var key = new ClientKey();
        var client = await server.AddAssertionClientAsync(jwks: key.Jwks);
        var flow = new OAuthFlow(server);
        var assertion = key.Assertion(client.ClientId, server.Issuer);

        // The assertion's jti is recorded by an insert: applied, its answer lost, and the SDK's retry meets its own row.
        _proxy.Fault = StorageFault.OperationTimedOut;
        _proxy.Only = StorageOperation.Insert;
        _proxy.FailedAttempts = 1;
        _proxy.FailureShare = 1;
        var response = await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(assertion, ("grant_type", "client_credentials")));

        Assert.True(_proxy.Faults >= 1);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        _proxy.Heal();
        var replayed = await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(assertion, ("grant_type", "client_credentials")));
        Assert.Equal("invalid_client", (await OAuthFlow.JsonAsync(replayed)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task ADevicesRedemptionWhoseAnswerWasLost_IsItsOwn_TheDeviceGetsItsTokens_Once()
    {
        await using var server = await StartServerAsync();
        var client = await server.AddPublicClientAsync(grants: [GrantTypes.DeviceCode]);
        var user = await server.AddUserAsync();
        var device = new OAuthFlow(server);
        var started = await DeviceSteps.StartAsync(device, client.ClientId, "read");
        Assert.Contains("Device connected", await DeviceSteps.AnswerAsync(new OAuthFlow(server), started, user.Username, "allow"));

        // The poll's move from approved to redeemed is applied, its answer lost, and the SDK's retry meets its own change.
        _proxy.Fault = StorageFault.OperationTimedOut;
        _proxy.Only = StorageOperation.ConditionalUpdate;
        _proxy.FailedAttempts = 1;
        _proxy.FailureShare = 1;
        var tokens = await DeviceSteps.PollAsync(device, client.ClientId, started);

        Assert.True(_proxy.Faults >= 1);
        Assert.Equal(HttpStatusCode.OK, tokens.StatusCode);
        _proxy.Heal();
        var again = await DeviceSteps.PollAsync(device, client.ClientId, started);
        Assert.Equal("invalid_grant", (await OAuthFlow.JsonAsync(again)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task EveryAnswerLost_TheCodeIsRedeemedOrUnspent_NeverBoth_AndTheRotationKeepsAUsableToken()
    {
        await using var server = await StartServerAsync();
        var (flow, client, user) = await SetUpAsync(server);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(client, Redirect, user, challenge);
        var family = Family(code);
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(Exchange(client, code, verifier)));

        // Each rotation transaction is applied and every answer to it lost: the client sees 503 and keeps its old token.
        _proxy.Fault = StorageFault.OperationTimedOut;
        _proxy.Only = StorageOperation.Transaction;
        _proxy.FailedAttempts = int.MaxValue;
        _proxy.FailureShare = 1;
        await OAuthFlow.AssertOAuthErrorAsync(
            await flow.PostTokenAsync(Refresh(client, refreshToken!)), HttpStatusCode.ServiceUnavailable, OAuthErrorCodes.TemporarilyUnavailable);

        // The rotation is whole: the presented token rotated, its successor written, never one without the other.
        var rows = await GrantRowsAsync(family);
        var presented = rows[RefreshTokenEntity.RowKeyFor(SecretValues.Hash(refreshToken!))];
        Assert.Equal(RefreshTokenState.Rotated, presented.GetString("State"));
        Assert.Single(rows.Values, r => r.GetString("State") == RefreshTokenState.Active);
        Assert.False(rows.ContainsKey(AuthorizationCodeEntity.Row));

        // The client retries its old token within the grace window and gets the successor that was written.
        _proxy.Heal();
        var (accessToken, successor, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(Refresh(client, refreshToken!)));
        Assert.Equal(RefreshTokenState.Active, (await GrantRowsAsync(family))[RefreshTokenEntity.RowKeyFor(SecretValues.Hash(successor!))].GetString("State"));
        Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(accessToken)).StatusCode);

        // A code exchanged while every answer is lost: afterwards the code row and its tombstone never coexist.
        var (verifier2, challenge2) = OAuthFlow.NewPkce();
        var code2 = await flow.GetCodeAsync(client, Redirect, user, challenge2);
        _proxy.FailureShare = 1;
        await OAuthFlow.AssertOAuthErrorAsync(
            await flow.PostTokenAsync(Exchange(client, code2, verifier2)), HttpStatusCode.ServiceUnavailable, OAuthErrorCodes.TemporarilyUnavailable);
        var codeRows = await GrantRowsAsync(Family(code2));
        Assert.NotEqual(codeRows.ContainsKey(AuthorizationCodeEntity.Row), codeRows.ContainsKey(RedeemedCodeEntity.Row));
    }

    private async Task<LocalServer> StartServerAsync(Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["OAuth:Storage:ConnectionString"] = _proxy.ConnectionString;
        return await LocalServer.StartAsync(settings, tablePrefix: _prefix);
    }

    private static async Task<(OAuthFlow Flow, string ClientId, string Username)> SetUpAsync(LocalServer server)
    {
        var client = await server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await server.AddUserAsync();
        return (new OAuthFlow(server), client.ClientId, user.Username);
    }

    private static (string, string)[] Exchange(string client, string code, string verifier) =>
        [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client), ("code_verifier", verifier)];

    private static (string, string)[] Refresh(string client, string refreshToken) =>
        [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", client)];

    private static string Family(string code) => SecretValues.TrySplit(code, out var family, out _) ? family : throw new ArgumentException("not a code");

    /// <summary>The family's rows as Azurite holds them, read around the proxy.</summary>
    private async Task<Dictionary<string, TableEntity>> GrantRowsAsync(string family)
    {
        var table = await _direct.GetAsync(OAuthTables.Grants);
        var rows = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {family}")))
        {
            rows[row.RowKey] = row;
        }

        return rows;
    }
}
