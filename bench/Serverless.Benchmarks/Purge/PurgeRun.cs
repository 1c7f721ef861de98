using System.Diagnostics;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;

namespace Serverless.Benchmarks.Purge;

public sealed record PurgeRate(string Purge, int Entries, double Seconds, double EntriesPerSecond);

public sealed record PurgeResults(IReadOnlyList<PurgeRate> Runs, int IndexEntriesPerSignIn, double Ratio, double SignInsPerSecondBefore, double SignInsPerSecondAfter);

/// <summary>
/// Index entries deleted per second against Azurite by the purge before (entries one by one, 16 at once) and after
/// (entries of one shard in transactions of up to 100, chunks of several shards at once), on the same seeded backlog:
/// one expired row per partition, its entry in the sharded minute it expired in, as a code or a session leaves it.
/// </summary>
public static class PurgeRun
{
    /// <summary>
    /// A password sign-in writes five index entries (StorageRoundTripTests: two reserved attempts, the session, the
    /// code and its family in the consent partition); a code exchange or refresh writes none.
    /// </summary>
    public const int IndexEntriesPerSignIn = 5;

    public static async Task<PurgeResults> RunAsync(AzuriteServer azurite, int entries, TextWriter log)
    {
        var runs = new List<PurgeRate>();
        foreach (var name in new[] { "before", "after", "before", "after" })
        {
            var storage = azurite.NewStorage();
            var tables = new OAuthTables(storage);
            var index = new ExpiryIndex(tables);
            var now = DateTimeOffset.UtcNow;
            await SeedAsync(tables, index, entries, now - TimeSpan.FromMinutes(5));
            var clock = new ManualClock(now);

            var watch = Stopwatch.StartNew();
            var read = name == "before"
                ? (await new OneByOnePurge(tables, index, clock, NullLogger.Instance).RunAsync()).IndexEntriesRead
                : (await new ExpiryPurge(tables, index, clock, NullLogger<ExpiryPurge>.Instance).RunAsync()).IndexEntriesRead;
            watch.Stop();
            var rate = new PurgeRate(name, read, watch.Elapsed.TotalSeconds, read / watch.Elapsed.TotalSeconds);
            runs.Add(rate);
            log.WriteLine($"  {name}: {read} entries (and their rows) in {rate.Seconds:F2} s = {rate.EntriesPerSecond:F0} entries/s");
        }

        var before = runs.Where(r => r.Purge == "before").Average(r => r.EntriesPerSecond);
        var after = runs.Where(r => r.Purge == "after").Average(r => r.EntriesPerSecond);
        log.WriteLine($"  after/before: {after / before:F2}x; sign-ins/s the purge keeps up with: {before / IndexEntriesPerSignIn:F0} before, {after / IndexEntriesPerSignIn:F0} after");
        return new PurgeResults(runs, IndexEntriesPerSignIn, after / before, before / IndexEntriesPerSignIn, after / IndexEntriesPerSignIn);
    }

    private static async Task SeedAsync(OAuthTables tables, ExpiryIndex index, int count, DateTimeOffset expiredAt)
    {
        var grants = await tables.GetAsync(OAuthTables.Grants);
        var expiry = await tables.GetAsync(OAuthTables.Expiry);
        var partitions = Enumerable.Range(0, count).Select(i => $"bench{i:D6}{Guid.NewGuid():N}").ToList();
        await Parallel.ForEachAsync(partitions, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (p, token) =>
            await grants.AddEntityAsync(new TableEntity(p, "code") { ["ExpiresAt"] = expiredAt }, token));
        var byBucket = partitions.GroupBy(p => index.BucketOf(OAuthTables.Grants, p, expiredAt));
        await Parallel.ForEachAsync(byBucket.SelectMany(g => g.Chunk(100).Select(c => (g.Key, c))), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (chunk, token) =>
            await expiry.SubmitTransactionAsync(
                chunk.c.Select(p => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(chunk.Key, ExpiryIndex.EntryKey(OAuthTables.Grants, p)))), token));
    }
}
