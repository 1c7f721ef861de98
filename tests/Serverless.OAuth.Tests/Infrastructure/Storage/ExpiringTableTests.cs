using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Infrastructure.Storage;

/// <summary>The wrapper's two rules, against Azurite: the index entry before the row, and an expired row reads as absent.</summary>
public sealed class ExpiringTableTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task AnExpiredRow_ReadsAsAbsent_ThoughItIsStillStored()
    {
        var (table, clock, _) = await NewTableAsync();
        await table.AddAsync(NewRow("p", clock), CancellationToken.None);
        Assert.NotNull(await table.GetAsync<SampleEntity>("p", "r", CancellationToken.None));
        Assert.Single(await LiveRowsAsync(table));

        // Live strictly before its expiry: at the expiry instant it is gone.
        clock.Advance(Lifetime);

        Assert.Null(await table.GetAsync<SampleEntity>("p", "r", CancellationToken.None));
        Assert.Empty(await LiveRowsAsync(table));
        var stored = await table.GetStoredAsync<SampleEntity>("p", "r", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.False(table.IsLive(stored));
    }

    [Fact]
    public async Task QueryLive_ReturnsOnlyLiveRows_WithTheSelectedColumns()
    {
        var (table, clock, _) = await NewTableAsync();
        await table.AddAsync(NewRow("a", clock, "old"), CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(1));
        await table.AddAsync(NewRow("b", clock, "new"), CancellationToken.None);
        clock.Advance(Lifetime - TimeSpan.FromSeconds(30));

        var live = await LiveRowsAsync(table, select: ["PartitionKey", "Value"]);

        var row = Assert.Single(live);
        Assert.Equal(("b", "new"), (row.PartitionKey, row.Value));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AddAndUpsert_WriteTheIndexEntryBeforeTheRow(bool upsert)
    {
        var (table, clock, storage) = await NewTableAsync();
        var row = NewRow("p", clock);

        await (upsert ? table.UpsertAsync(row, CancellationToken.None) : table.AddAsync(row, CancellationToken.None));

        Assert.Equal([storage.Expiry, storage.Sample], storage.Writes);
        var index = await storage.Tables.GetAsync(OAuthTables.Expiry);
        var entryKey = ExpiryIndex.EntryKey(table.Name, "p");
        Assert.True((await index.GetEntityIfExistsAsync<TableEntity>(ExpiryIndex.Bucket(row.ExpiresAt, entryKey, 4), entryKey)).HasValue);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AFailedIndexWrite_LeavesNoRow(bool upsert)
    {
        var (table, clock, storage) = await NewTableAsync();
        storage.FailIndexWrites = true;

        await Assert.ThrowsAnyAsync<Exception>(() => upsert
            ? table.UpsertAsync(NewRow("p", clock), CancellationToken.None)
            : table.AddAsync(NewRow("p", clock), CancellationToken.None));

        Assert.DoesNotContain(storage.Sample, storage.Writes);
        Assert.Null(await table.GetStoredAsync<SampleEntity>("p", "r", CancellationToken.None));
    }

    [Fact]
    public async Task AReplace_IsConditionalOnTheVersionRead()
    {
        var (table, clock, _) = await NewTableAsync();
        var version = await table.AddAsync(NewRow("p", clock, "first"), CancellationToken.None);
        await table.ReplaceAsync(NewRow("p", clock, "second"), version, CancellationToken.None);

        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => table.ReplaceAsync(NewRow("p", clock, "third"), version, CancellationToken.None));

        Assert.Equal(412, stale.Status);
        Assert.Equal("second", (await table.GetAsync<SampleEntity>("p", "r", CancellationToken.None))?.Value);
    }

    private static SampleEntity NewRow(string partition, ManualClock clock, string value = "v") =>
        new() { PartitionKey = partition, RowKey = "r", Value = value, ExpiresAt = clock.GetUtcNow() + Lifetime };

    private static async Task<List<SampleEntity>> LiveRowsAsync(ExpiringTable table, IReadOnlyList<string>? select = null)
    {
        var rows = new List<SampleEntity>();
        await foreach (var row in table.QueryLiveAsync<SampleEntity>(filter: null, select, CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static async Task<(ExpiringTable Table, ManualClock Clock, RecordingStorage Storage)> NewTableAsync()
    {
        var options = (await AzuriteServer.Shared).NewStorage();
        var storage = new RecordingStorage(options.TablePrefix);
        var clientOptions = OAuthTables.DefaultClientOptions(options.TablePrefix);
        clientOptions.AddPolicy(storage, HttpPipelinePosition.PerCall);
        storage.Tables = new OAuthTables(options, clientOptions: clientOptions);
        var clock = new ManualClock();
        // Any table of OAuthTables.All serves: the wrapper knows nothing of what its rows mean.
        return (new ExpiringTable(OAuthTables.Lockouts, storage.Tables, new ExpiryIndex(storage.Tables, 4), clock), clock, storage);
    }

    private sealed class SampleEntity : ExpiringEntity
    {
        public string Value { get; set; } = "";
    }

    /// <summary>Records which table each row write went to, and can fail the writes to the expiry index.</summary>
    private sealed class RecordingStorage(string prefix) : HttpPipelinePolicy
    {
        private readonly ConcurrentQueue<string> _writes = new();

        public OAuthTables Tables { get; set; } = null!;

        public string Expiry => prefix + OAuthTables.Expiry;

        public string Sample => prefix + OAuthTables.Lockouts;

        public bool FailIndexWrites { get; set; }

        public IReadOnlyList<string> Writes => [.. _writes];

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The stores call storage asynchronously.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            var table = TableOf(message.Request.Uri.Path);
            if (table is not null && message.Request.Method != RequestMethod.Get)
            {
                if (FailIndexWrites && table == Expiry)
                {
                    throw new RequestFailedException(500, "The index write failed (injected by the test).");
                }

                _writes.Enqueue(table);
            }

            await ProcessNextAsync(message, pipeline);
        }

        /// <summary>The table an entity request names: "/{account}/{table}(PartitionKey=...)" or "/{account}/{table}".</summary>
        private string? TableOf(string path)
        {
            var segment = path.TrimEnd('/').Split('/').Last();
            var name = segment.Split('(')[0];
            return name.StartsWith(prefix, StringComparison.Ordinal) ? name : null;
        }
    }
}
