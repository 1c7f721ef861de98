using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Clients;

/// <summary>The client cache against Azurite: bounded in size and time, unknown ids included and evicted first.</summary>
public sealed class ClientStoreTests
{
    private static async Task<(ClientStore Store, ClientStore OtherInstance, ManualClock Clock)> StoresAsync(int size)
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var options = new OAuthServerOptions { ClientCacheSize = size, ClientCacheLifetime = TimeSpan.FromMinutes(1) };
        var clock = new ManualClock();
        return (NewStore(storage, options, clock), NewStore(storage, options, clock), clock);
    }

    /// <summary>One instance's store, as the host builds it: its own tables client and expiry index over the shared account.</summary>
    private static ClientStore NewStore(StorageOptions storage, OAuthServerOptions options, ManualClock clock)
    {
        var tables = new OAuthTables(storage);
        return new ClientStore(tables, new ExpiryIndex(tables, options.Storage.ExpiryIndexShards), options, clock);
    }

    private static OAuthClient Client(string id) => new() { ClientId = id, Name = id, Type = ClientType.Public, RedirectUris = ["https://a.example/cb"] };

    [Fact]
    public async Task AStreamOfUnknownClientIds_StaysWithinTheSizeBound_AndKeepsTheKnownClientCached()
    {
        var (store, otherInstance, _) = await StoresAsync(size: 40);
        await otherInstance.AddAsync(Client("known"));
        Assert.NotNull(await store.FindAsync("known"));

        for (var i = 0; i < 400; i++)
        {
            Assert.Null(await store.FindAsync("unknown-" + Guid.NewGuid().ToString("N")));
            Assert.True(store.CachedCount <= 40, $"{store.CachedCount} entries cached after {i + 1} unknown ids");
        }

        // Removed through another instance: this one still answers from its cache, so the flood did not evict it.
        await otherInstance.RemoveAsync("known");
        Assert.NotNull(await store.FindAsync("known"));
    }

    [Fact]
    public async Task AnUnknownId_IsCachedOnlyForTheLifetime_ThenAClientRegisteredMeanwhileIsFound()
    {
        var (store, otherInstance, clock) = await StoresAsync(size: 100);
        Assert.Null(await store.FindAsync("late"));
        await otherInstance.AddAsync(Client("late"));

        Assert.Null(await store.FindAsync("late"));
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.NotNull(await store.FindAsync("late"));
    }

    [Fact]
    public async Task AnExpiredRegistration_IsAbsentFromTheList_AsFromALookup()
    {
        var (store, _, clock) = await StoresAsync(size: 100);
        await store.AddAsync(Client("operator"));
        await store.AddAsync(Client("reg-1") with { ExpiresAt = clock.GetUtcNow() + TimeSpan.FromDays(1) });
        Assert.Equal(["operator", "reg-1"], (await store.ListAsync()).Select(c => c.ClientId).Order());

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));

        Assert.Equal(["operator"], (await store.ListAsync()).Select(c => c.ClientId));
        Assert.Null(await store.FindAsync("reg-1"));
    }
}
