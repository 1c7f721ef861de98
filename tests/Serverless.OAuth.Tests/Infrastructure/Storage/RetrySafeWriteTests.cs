using Azure.Data.Tables;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.OAuth.Tests.Infrastructure.Storage;

/// <summary>
/// A write whose answer is lost after the row was written is retried by the storage client and meets its own row: an
/// insert's 409 or a conditional replace's 412 is still this write's success, and only a row another write wrote is
/// "taken" or "changed". Against Azurite.
/// </summary>
public sealed class RetrySafeWriteTests
{
    [Fact]
    public async Task AnInsertRetriedAfterItsAnswerWasLost_IsItsOwnSuccess_NotATakenKey()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var table = await (await LostAnswers.OfTheNextWriteAsync(storage, StorageOperation.Insert)).GetAsync(OAuthTables.Clients);

        Assert.True(await RetrySafeWrite.TryAddAsync(table, new TableEntity("p", "r") { ["Name"] = "first" }, default));
        Assert.False(await RetrySafeWrite.TryAddAsync(table, new TableEntity("p", "r") { ["Name"] = "second" }, default));
        Assert.Equal("first", (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetString("Name"));
    }

    [Fact]
    public async Task AClientAdded_WhileTheStorageLostTheAnswer_IsReportedAdded_AndFound()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var tables = await LostAnswers.OfTheNextWriteAsync(storage, StorageOperation.Insert);
        var store = new ClientStore(tables, new ExpiryIndex(tables), new OAuthServerOptions(), TimeProvider.System);
        var client = new OAuthClient { ClientId = "lost-answer", Name = "Lost answer", Type = ClientType.Public, RedirectUris = ["https://a.example/cb"] };

        Assert.True(await store.AddAsync(client));
        Assert.NotNull(await store.FindAsync("lost-answer"));
        Assert.False(await store.AddAsync(client with { }));
    }

    [Fact]
    public async Task AnExpiringRowAdded_WhileTheStorageLostTheAnswer_IsTheAddsOwnSuccess_AndAnotherAddOfTheKeyIs409()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var tables = await LostAnswers.OfTheNextWriteAsync(storage, StorageOperation.Insert);
        var replays = new ExpiringTable(OAuthTables.Replays, tables, new ExpiryIndex(tables), TimeProvider.System);
        var row = new OneTimeIdEntity { PartitionKey = "p", RowKey = OneTimeIdEntity.Row, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5) };

        var version = await replays.AddAsync(row, default);

        Assert.Equal((await replays.GetStoredAsync<OneTimeIdEntity>("p", OneTimeIdEntity.Row, default))!.ETag, version);
        var taken = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => replays.AddAsync(
            new OneTimeIdEntity { PartitionKey = "p", RowKey = OneTimeIdEntity.Row, ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(5) }, default));
        Assert.Equal(409, taken.Status);
    }

    /// <summary>A client assertion's jti used for the first time is not a replay because the storage lost the answer to its insert.</summary>
    [Fact]
    public async Task AOneTimeIdsFirstUse_WhileTheStorageLostTheAnswer_IsAFirstUse_AndTheNextUseIsTheReplay()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var tables = await LostAnswers.OfTheNextWriteAsync(storage, StorageOperation.Insert);
        var ids = new OneTimeIds(tables, new ExpiryIndex(tables), TimeProvider.System);

        Assert.True(await ids.TryUseAsync("client_assertion:app", "jti-1", DateTimeOffset.UtcNow.AddMinutes(5), default));
        Assert.False(await ids.TryUseAsync("client_assertion:app", "jti-1", DateTimeOffset.UtcNow.AddMinutes(5), default));
    }

    [Fact]
    public async Task AReplaceRetriedAfterItsAnswerWasLost_IsItsOwnSuccess_AndAnotherWritersChangeIs412()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var tables = await LostAnswers.OfTheNextWriteAsync(storage, StorageOperation.ConditionalUpdate, StorageOperation.Transaction);
        var replays = new ExpiringTable(OAuthTables.Replays, tables, new ExpiryIndex(tables), TimeProvider.System);
        var until = DateTimeOffset.UtcNow.AddMinutes(5);
        var first = await replays.AddAsync(new OneTimeIdEntity { PartitionKey = "p", RowKey = OneTimeIdEntity.Row, ExpiresAt = until }, default);

        var replaced = await replays.ReplaceAsync(new OneTimeIdEntity { PartitionKey = "p", RowKey = OneTimeIdEntity.Row, ExpiresAt = until.AddMinutes(1) }, first, default);

        var stored = (await replays.GetStoredAsync<OneTimeIdEntity>("p", OneTimeIdEntity.Row, default))!;
        Assert.Equal(stored.ETag, replaced);
        Assert.Equal(until.AddMinutes(1), stored.ExpiresAt);
        var changed = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => replays.ReplaceAsync(
            new OneTimeIdEntity { PartitionKey = "p", RowKey = OneTimeIdEntity.Row, ExpiresAt = until }, first, default));
        Assert.Equal(412, changed.Status);
    }
}
