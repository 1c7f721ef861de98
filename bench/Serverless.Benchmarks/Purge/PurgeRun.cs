using System.Diagnostics;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;

namespace Serverless.Benchmarks.Purge;

public sealed record PurgeRate(string Purge, int Entries, double Seconds, double EntriesPerSecond);

public sealed record PurgeResults(
    IReadOnlyList<PurgeRate> Runs, int IndexEntriesPerSignIn, double Ratio, double SignInsPerSecondBefore, double SignInsPerSecondAfter,
    int SpreadInstances, double SpreadRatio, double SignInsPerSecondSpread);

/// <summary>
/// Index entries deleted per second against Azurite by the purge before (entries one by one, 16 at once), after
/// (entries of one shard in transactions of up to 100, chunks of several shards at once, in one process, as the local
/// host and the admin command run it) and spread (the Functions app's way: the due buckets named, then purged by
/// <see cref="SpreadInstances"/> purges standing for instances, each taking host.json's batch of 8 buckets at once),
/// on the same seeded backlog: one expired row per partition, its entry in the sharded minute it expired in, as a code
/// or a session leaves it. Every variant runs in this one process against one Azurite, so "spread" shows that the
/// bucket-by-bucket path costs no rate; the instances it would add in Azure are not here.
/// </summary>
public static class PurgeRun
{
    /// <summary>
    /// A password sign-in writes five index entries (StorageRoundTripTests: two reserved attempts, the session, the
    /// code and its family in the consent partition); a code exchange or refresh writes none.
    /// </summary>
    public const int IndexEntriesPerSignIn = 5;

    /// <summary>Purges standing for instances in the "spread" variant.</summary>
    public const int SpreadInstances = 4;

    /// <summary>host.json extensions.queues.batchSize (newBatchThreshold 0): buckets one instance purges at once.</summary>
    private const int BucketsPerInstance = 8;

    public static async Task<PurgeResults> RunAsync(AzuriteServer azurite, int entries, TextWriter log)
    {
        var runs = new List<PurgeRate>();
        foreach (var name in new[] { "before", "after", "spread", "before", "after", "spread" })
        {
            var storage = azurite.NewStorage();
            var tables = new OAuthTables(storage);
            var index = new ExpiryIndex(tables);
            var now = DateTimeOffset.UtcNow;
            await SeedAsync(tables, index, entries, now - TimeSpan.FromMinutes(5));
            var clock = new ManualClock(now);

            var watch = Stopwatch.StartNew();
            var read = name switch
            {
                "before" => (await new OneByOnePurge(tables, index, clock, NullLogger.Instance).RunAsync()).IndexEntriesRead,
                "after" => (await new ExpiryPurge(tables, index, clock, NullLogger<ExpiryPurge>.Instance).RunAsync()).IndexEntriesRead,
                _ => await SpreadAsync(tables, index, clock),
            };
            watch.Stop();
            var rate = new PurgeRate(name, read, watch.Elapsed.TotalSeconds, read / watch.Elapsed.TotalSeconds);
            runs.Add(rate);
            log.WriteLine($"  {name}: {read} entries (and their rows) in {rate.Seconds:F2} s = {rate.EntriesPerSecond:F0} entries/s");
        }

        var before = runs.Where(r => r.Purge == "before").Average(r => r.EntriesPerSecond);
        var after = runs.Where(r => r.Purge == "after").Average(r => r.EntriesPerSecond);
        var spread = runs.Where(r => r.Purge == "spread").Average(r => r.EntriesPerSecond);
        log.WriteLine($"  after/before: {after / before:F2}x, spread/after: {spread / after:F2}x; sign-ins/s the purge keeps up with: {before / IndexEntriesPerSignIn:F0} before, {after / IndexEntriesPerSignIn:F0} after, {spread / IndexEntriesPerSignIn:F0} spread");
        return new PurgeResults(
            runs, IndexEntriesPerSignIn, after / before, before / IndexEntriesPerSignIn, after / IndexEntriesPerSignIn,
            SpreadInstances, spread / after, spread / IndexEntriesPerSignIn);
    }

    /// <summary>The due buckets named once, then dealt to the instances, each purging its share a batch at a time.</summary>
    private static async Task<int> SpreadAsync(OAuthTables tables, ExpiryIndex index, TimeProvider clock)
    {
        var buckets = await new ExpiryPurge(tables, index, clock, NullLogger<ExpiryPurge>.Instance).DueBucketsAsync().ToListAsync();
        var read = 0;
        await Task.WhenAll(Enumerable.Range(0, SpreadInstances).Select(async instance =>
        {
            var purge = new ExpiryPurge(tables, index, clock, NullLogger<ExpiryPurge>.Instance);
            await Parallel.ForEachAsync(
                buckets.Where((_, i) => i % SpreadInstances == instance),
                new ParallelOptions { MaxDegreeOfParallelism = BucketsPerInstance },
                async (bucket, token) => Interlocked.Add(ref read, (await purge.PurgeBucketAsync(bucket, token)).IndexEntriesRead));
        }));
        return read;
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
