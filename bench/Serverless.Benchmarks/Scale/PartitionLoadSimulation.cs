using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.Benchmarks.Scale;

/// <summary>What one simulated second of one kind of request costs in Table Storage.</summary>
public sealed record PartitionLoad(
    RequestKind Kind, int RequestsPerSecond, int Shards, int TransactionsPerSecond, string HottestPartition, int HottestEntitiesPerSecond,
    int HottestIndexEntitiesPerSecond);

/// <summary>
/// Runs a synthetic workload through <see cref="StorageWorkload"/>: one second of requests of one kind, spread over the
/// second, from a population of users and tokens, and counts transactions per account and entities per partition.
/// </summary>
public static class PartitionLoadSimulation
{
    /// <summary>Each access or refresh token in the synthetic workload is presented this many times a second.</summary>
    public const int UsesPerTokenPerSecond = 10;

    public static PartitionLoad Run(RequestKind kind, int requestsPerSecond, int shards, DateTimeOffset start)
    {
        var workload = new StorageWorkload(new OAuthServerOptions(), shards);
        var users = Enumerable.Range(0, Math.Max(1, requestsPerSecond)).Select(i => "user" + i).ToArray();
        // A refresh token is spent on use, so each refresh is of another family; access tokens are presented repeatedly.
        var tokenCount = kind == RequestKind.Refresh ? requestsPerSecond : requestsPerSecond / UsesPerTokenPerSecond;
        var tokens = Enumerable.Range(0, Math.Max(1, tokenCount))
            .Select(_ => SecretValues.Compose(SecretValues.NewId(), SecretValues.NewSecret())).ToArray();
        var operations = new List<StorageOperation>(requestsPerSecond * 12);
        for (var i = 0; i < requestsPerSecond; i++)
        {
            var now = start + TimeSpan.FromTicks(TimeSpan.TicksPerSecond * i / requestsPerSecond);
            workload.Add(kind, now, users[i % users.Length], tokens[i % tokens.Length], operations);
        }

        // Index pages of the purge's due-bucket query, one per 1,000 entries: two entries read per code flow.
        var indexEntriesRead = kind == RequestKind.CodeFlow ? 2 * requestsPerSecond : 0;
        var transactions = operations.Count + (indexEntriesRead + 999) / 1000;
        var perPartition = operations
            .GroupBy(o => (o.Table, o.Partition))
            .Select(g => (g.Key.Table, g.Key.Partition, Entities: g.Sum(o => o.Entities)))
            .ToList();
        var hottest = perPartition.Count == 0 ? default : perPartition.MaxBy(p => p.Entities);
        var hottestIndex = perPartition.Where(p => p.Table == OAuthTables.Expiry).Select(p => p.Entities).DefaultIfEmpty(0).Max();
        return new PartitionLoad(kind, requestsPerSecond, shards, transactions,
            hottest.Table is null ? "-" : $"{hottest.Table}/{Describe(hottest.Table, hottest.Partition)}", hottest.Entities, hottestIndex);
    }

    /// <summary>Partitions named by what they are, never by their (random) keys.</summary>
    private static string Describe(string table, string partition) => table switch
    {
        OAuthTables.Expiry => partition.Length > 13 ? "index shard of one minute" : "index minute (unsharded)",
        OAuthTables.Grants => "one family",
        OAuthTables.Revocations => "one token's revocation partition",
        _ => "one " + table[..^1],
    };
}
