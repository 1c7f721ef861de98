using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Infrastructure.Storage;

/// <summary>
/// An insert whose answer is lost after the row was written is retried by the storage client and meets its own row:
/// it is still this add's success, and only a row another add wrote is "taken". Against Azurite.
/// </summary>
public sealed class TableAddTests
{
    /// <summary>Once armed, lets the next insert reach the table, then loses its answer, as a timed-out connection would.</summary>
    private sealed class LoseTheFirstInsertsAnswer : HttpPipelinePolicy
    {
        private int _lost = 1;

        /// <summary>After the tables are created (their creation is a POST too).</summary>
        public void Arm() => _lost = 0;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => throw new NotSupportedException();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method == RequestMethod.Post && Interlocked.Exchange(ref _lost, 1) == 0)
            {
                throw new IOException("The answer to the insert was lost.");
            }
        }
    }

    private static async Task<OAuthTables> TablesLosingTheFirstAnswerAsync(StorageOptions storage)
    {
        var options = OAuthTables.DefaultClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var losing = new LoseTheFirstInsertsAnswer();
        options.AddPolicy(losing, HttpPipelinePosition.PerRetry);
        var tables = new OAuthTables(storage, clientOptions: options);
        await tables.GetAsync(OAuthTables.Clients);
        losing.Arm();
        return tables;
    }

    [Fact]
    public async Task AnInsertRetriedAfterItsAnswerWasLost_IsItsOwnSuccess_NotATakenKey()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var table = await (await TablesLosingTheFirstAnswerAsync(storage)).GetAsync(OAuthTables.Clients);

        Assert.True(await TableAdd.TryAddAsync(table, new TableEntity("p", "r") { ["Name"] = "first" }, default));
        Assert.False(await TableAdd.TryAddAsync(table, new TableEntity("p", "r") { ["Name"] = "second" }, default));
        Assert.Equal("first", (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetString("Name"));
    }

    [Fact]
    public async Task AClientAdded_WhileTheStorageLostTheAnswer_IsReportedAdded_AndFound()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var tables = await TablesLosingTheFirstAnswerAsync(storage);
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
        var tables = await TablesLosingTheFirstAnswerAsync(storage);
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
        var tables = await TablesLosingTheFirstAnswerAsync(storage);
        var ids = new OneTimeIds(tables, new ExpiryIndex(tables), TimeProvider.System);

        Assert.True(await ids.TryUseAsync("client_assertion:app", "jti-1", DateTimeOffset.UtcNow.AddMinutes(5), default));
        Assert.False(await ids.TryUseAsync("client_assertion:app", "jti-1", DateTimeOffset.UtcNow.AddMinutes(5), default));
    }
}
