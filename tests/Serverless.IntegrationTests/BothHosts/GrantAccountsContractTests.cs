using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// Grant families in two storage accounts (two Azurite instances): the server's main account and one more under
/// OAuth:Storage:GrantAccounts, through both hosts. Families land in both; codes, refresh tokens, revocation and
/// introspection work whichever account a family is in; the purge clears both.
/// </summary>
public abstract class GrantAccountsContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : TwoGrantAccountsFixture
{
    private const string Redirect = "https://app.example.com/callback";

    private IOAuthTestServer Server => fixture.Server;

    [Fact]
    public async Task Families_LandInBothAccounts_AndEveryGrantWorks_ThenThePurgeClearsBoth()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        var accounts = Server.Services.GetRequiredService<GrantAccounts>();
        Assert.Equal(2, accounts.Count);

        // A family's account is a hash of its random id: new families until each account has one (2^-15 to fail).
        var families = new Dictionary<int, (string Access, string Refresh)>();
        for (var i = 0; i < 16 && families.Count < 2; i++)
        {
            var (verifier, challenge) = OAuthFlow.NewPkce();
            var code = await flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge, "read offline_access");
            var (access, refresh, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("code_verifier", verifier)], (client.ClientId, secret)));
            families.TryAdd(accounts.IndexOf(refresh!.Split('.')[0]), (access, refresh));
        }

        Assert.Equal([0, 1], families.Keys.Order());
        foreach (var (account, (access, refresh)) in families)
        {
            // Its rows are in its account and in no other.
            var familyId = refresh.Split('.')[0];
            Assert.True(await RowsOfAsync(fixture.Accounts[account], OAuthTables.Grants, familyId) > 0);
            Assert.Equal(0, await RowsOfAsync(fixture.Accounts[1 - account], OAuthTables.Grants, familyId));

            Assert.True((await OAuthFlow.JsonAsync(await flow.PostFormAsync("introspect", [("token", access)], (client.ClientId, secret)))).GetProperty("active").GetBoolean());
            var (_, rotated, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
                [("grant_type", "refresh_token"), ("refresh_token", refresh)], (client.ClientId, secret)));

            // Revoking the refresh token revokes its family, and the family's access tokens with it.
            Assert.Equal(HttpStatusCode.OK, (await flow.PostFormAsync("revoke", [("token", rotated!)], (client.ClientId, secret))).StatusCode);
            await OAuthFlow.AssertOAuthErrorAsync(
                await flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", rotated!)], (client.ClientId, secret)), HttpStatusCode.BadRequest, "invalid_grant");
            Assert.False((await OAuthFlow.JsonAsync(await flow.PostFormAsync("introspect", [("token", access)], (client.ClientId, secret)))).GetProperty("active").GetBoolean());
            Assert.Equal(HttpStatusCode.Unauthorized, (await flow.GetResourceAsync(access)).StatusCode);
        }

        // Past every expiry (the consents' 90 days), the purge as the Functions app spreads it (the due buckets of both
        // accounts named, each purged on its own) leaves neither account any grant, revocation or index entry.
        var purge = new ExpiryPurge(accounts, new ManualClock(DateTimeOffset.UtcNow.AddDays(400)), NullLogger<ExpiryPurge>.Instance);
        var buckets = await purge.DueBucketsAsync().ToListAsync();
        Assert.Equal([0, 1], buckets.Select(b => b.Account).Distinct().Order());
        var deleted = 0;
        foreach (var bucket in buckets)
        {
            deleted += (await purge.PurgeBucketAsync(bucket)).RowsDeleted;
        }

        Assert.True(deleted > 0);
        Assert.Equal(0, (await purge.RunAsync()).IndexEntriesRead);
        foreach (var account in fixture.Accounts)
        {
            Assert.Equal(0, await RowsOfAsync(account, OAuthTables.Grants));
            Assert.Equal(0, await RowsOfAsync(account, OAuthTables.Revocations));
            Assert.Equal(0, await RowsOfAsync(account, OAuthTables.Expiry));
        }

        // The added account holds the grant families' tables and no other.
        var added = fixture.Accounts[1];
        var tables = new List<string>();
        await foreach (var table in new TableServiceClient(added.ConnectionString).QueryAsync(filter: (string?)null))
        {
            if (table.Name.StartsWith(added.TablePrefix, StringComparison.Ordinal))
            {
                tables.Add(table.Name[added.TablePrefix.Length..]);
            }
        }

        Assert.Equal(OAuthTables.GrantAccountTables.Order(), tables.Order());
    }

    private async Task<int> RowsOfAsync(StorageOptions account, string table, string? partition = null)
    {
        var client = new TableServiceClient(account.ConnectionString).GetTableClient(account.TablePrefix + table);
        var rows = 0;
        await foreach (var _ in client.QueryAsync<TableEntity>(partition is null ? null : TableClient.CreateQueryFilter($"PartitionKey eq {partition}")))
        {
            rows++;
        }

        return rows;
    }
}

/// <summary>A second Azurite for the grant families, and the server with it under OAuth:Storage:GrantAccounts.</summary>
public abstract class TwoGrantAccountsFixture(Func<Dictionary<string, string?>, string, Task<IOAuthTestServer>> start) : IAsyncLifetime
{
    private AzuriteServer? _second;

    public IOAuthTestServer Server { get; private set; } = null!;

    /// <summary>The main account, then the grant account: the same table prefix in each.</summary>
    public IReadOnlyList<StorageOptions> Accounts { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _second = await AzuriteServer.StartAsync();
        var main = (await AzuriteServer.Shared).NewStorage();
        var grants = new StorageOptions { ConnectionString = _second.ConnectionString, TablePrefix = main.TablePrefix };
        Accounts = [main, grants];
        Server = await start(new() { ["OAuth:Storage:GrantAccounts:0"] = grants.ConnectionString }, main.TablePrefix);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
        }
    }
}

public sealed class TwoGrantAccountsLocalHostFixture()
    : TwoGrantAccountsFixture(async (settings, prefix) => await LocalServer.StartAsync(settings, tablePrefix: prefix, clock: ManualClock.Running()));

public sealed class TwoGrantAccountsFunctionsWorkerFixture()
    : TwoGrantAccountsFixture(async (settings, prefix) =>
    {
        settings["OAuth:Storage:TablePrefix"] = prefix;
        return await FunctionsWorkerServer.StartAsync(settings);
    });

public sealed class GrantAccountsLocalHostTests(TwoGrantAccountsLocalHostFixture fixture) : GrantAccountsContractTests<TwoGrantAccountsLocalHostFixture>(fixture);

public sealed class GrantAccountsFunctionsWorkerTests(TwoGrantAccountsFunctionsWorkerFixture fixture) : GrantAccountsContractTests<TwoGrantAccountsFunctionsWorkerFixture>(fixture);

/// <summary>
/// An account added later moves nothing: a family made while there was one account stays in the main account, named
/// so by its id, and its refresh token still works on a server with two.
/// </summary>
public sealed class GrantAccountAddedLaterTests
{
    private const string Redirect = "https://app.example.com/callback";

    [Fact]
    public async Task AFamilyFromBeforeTheSecondAccount_IsStillFound_AndRotates()
    {
        var main = (await AzuriteServer.Shared).NewStorage();
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-keys-" + Guid.NewGuid().ToString("N") + ".json");
        string refresh, clientId, secret;
        await using (var one = await LocalServer.StartAsync(tablePrefix: main.TablePrefix, keyPath: keyPath))
        {
            var (client, clientSecret) = await one.AddConfidentialClientAsync();
            var user = await one.AddUserAsync();
            var flow = new OAuthFlow(one);
            var (verifier, challenge) = OAuthFlow.NewPkce();
            var code = await flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge, "read offline_access");
            (_, var token, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("code_verifier", verifier)], (client.ClientId, clientSecret)));
            (refresh, clientId, secret) = (token!, client.ClientId, clientSecret);
        }

        await using var second = await AzuriteServer.StartAsync();
        await using var two = await LocalServer.StartAsync(
            new() { ["OAuth:Storage:GrantAccounts:0"] = second.ConnectionString }, tablePrefix: main.TablePrefix, keyPath: keyPath);

        Assert.Equal(0, two.Get<GrantAccounts>().IndexOf(refresh.Split('.')[0]));
        var (_, rotated, _) = await TokenSupport.ReadTokenResponseAsync(
            await new OAuthFlow(two).PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", refresh)], (clientId, secret)));
        Assert.NotNull(rotated);
    }
}
