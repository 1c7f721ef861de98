using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Infrastructure.Storage;

public sealed record PurgeResult(int IndexEntriesRead, int RowsRead, int RowsDeleted, int PartitionsRescheduled);

/// <summary>
/// Deletes expired rows. It reads only index entries whose minute has passed and the partitions they name, so its cost
/// follows what expired, never what is live. Deletes are conditional on the ETag each row was read with (a row changed
/// since is left alone and its partition looked at again) and missing rows are ignored, so it is idempotent and several
/// instances may run it at once. Invariant kept: a partition with rows always has an index entry at or before its
/// earliest expiry; an entry is removed only after its partition has been rescheduled or emptied.
/// </summary>
/// <remarks>
/// <para>
/// The due entries arrive sorted by index partition (a minute's shard), and are worked in chunks of at most 100 entries
/// of one shard: the partitions a chunk names are purged (several at once), and only then are the chunk's entries
/// deleted in one entity-group transaction, each conditional on the ETag it was read with. When that transaction
/// fails (an entry was written again by a writer that relied on it, or another purge deleted it first), the chunk's
/// entries are deleted one at a time, so a changed entry is kept and a missing one ignored. Several chunks, and so
/// several shards, are worked at once; both levels are bounded, so one run keeps at most
/// <see cref="MaxConcurrentChunks"/> x <see cref="MaxConcurrentEntries"/> partitions in flight.
/// </para>
/// <para>
/// Instances: the Functions host runs a timer function as a singleton (a blob lease per function), so the schedule
/// fires on one instance at a time; a run that overlaps it (the admin command, the local host's timer, a run whose
/// lease lapsed) is safe by the rules above, it only repeats reads. The work is not spread over instances: one
/// instance's rate is bounded by storage latency times the concurrency above, not by one sequence of round trips
/// (the bench's purge phase measures it). Per-shard leases (a lease row per shard claimed by ETag, or a queue message
/// per due shard) would let several instances share one minute; they are not built yet. Since every run is safe
/// alongside any other, adding them later changes only who works which shard, never correctness.
/// </para>
/// <para>
/// Accounts: with more storage accounts for grant families (<see cref="GrantAccounts"/>), each account has its own index,
/// naming only its own partitions, and a run purges every account at once, each as above.
/// </para>
public sealed class ExpiryPurge
{
    private readonly IReadOnlyList<GrantAccount> _accounts;
    private readonly TimeProvider clock;
    private readonly ILogger<ExpiryPurge> logger;

    /// <summary>Purges one account.</summary>
    public ExpiryPurge(OAuthTables tables, ExpiryIndex index, TimeProvider clock, ILogger<ExpiryPurge> logger)
        : this(new GrantAccounts([new GrantAccount(tables, index)]), clock, logger)
    {
    }

    /// <summary>Purges the main account and every account of grant families.</summary>
    public ExpiryPurge(GrantAccounts accounts, TimeProvider clock, ILogger<ExpiryPurge> logger)
    {
        _accounts = accounts.All;
        this.clock = clock;
        this.logger = logger;
    }

    /// <summary>An entity-group transaction holds at most 100 operations.</summary>
    private const int MaxBatch = 100;

    /// <summary>Chunks of index entries (each of one shard) worked at once by one run.</summary>
    private const int MaxConcurrentChunks = 4;

    /// <summary>Partitions of one chunk purged at once.</summary>
    private const int MaxConcurrentEntries = 8;

    /// <summary>How soon a partition is read again when one of its rows changed while the purge was deleting.</summary>
    private static readonly TimeSpan RecheckDelay = TimeSpan.FromMinutes(1);

    /// <summary>The tables whose rows the index names; an entry naming any other is malformed.</summary>
    private static readonly HashSet<string> IndexedTables = OAuthTables.All.Where(t => t != OAuthTables.Expiry).ToHashSet(StringComparer.Ordinal);

    public async Task<PurgeResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var totals = new PurgeTotals();
        await Task.WhenAll(_accounts.Select(account => RunAsync(account, now, totals, cancellationToken)));
        var result = totals.ToResult();
        logger.LogDebug(
            "Expiry purge: {Entries} index entries, {Read} rows read, {Deleted} expired rows deleted, {Rescheduled} partitions rescheduled",
            result.IndexEntriesRead, result.RowsRead, result.RowsDeleted, result.PartitionsRescheduled);
        return result;
    }

    private async Task RunAsync(GrantAccount account, DateTimeOffset now, PurgeTotals totals, CancellationToken cancellationToken)
    {
        var indexTable = await account.Tables.GetAsync(OAuthTables.Expiry, cancellationToken);

        // Only buckets whose minute has passed (every shard of them, and unsharded ones of earlier versions): every row
        // they name had expired by then (buckets are rounded up).
        var due = indexTable.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey ge {ExpiryIndex.BucketPrefix} and PartitionKey lt {ExpiryIndex.FirstBucketNotDue(now)}"),
            maxPerPage: 1000,
            select: ["PartitionKey", "RowKey"],
            cancellationToken: cancellationToken);

        // Chunks are independent, so several at once: each waits on storage round trips, and one at a time would fall
        // behind as soon as more partitions expire per second than one sequence of round trips can clear. Two entries
        // naming one partition may then meet, which is no different from two instances purging at once.
        await Parallel.ForEachAsync(
            ChunksOfOneBucket(due, cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentChunks, CancellationToken = cancellationToken },
            async (chunk, token) => await PurgeChunkAsync(account, indexTable, chunk, now, totals, token));
    }

    /// <summary>Consecutive entries of one index partition, at most a transaction's worth (the query returns them sorted).</summary>
    private static async IAsyncEnumerable<TableEntity[]> ChunksOfOneBucket(
        AsyncPageable<TableEntity> entries, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chunk = new List<TableEntity>(MaxBatch);
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            if (chunk.Count == MaxBatch || (chunk.Count > 0 && !string.Equals(chunk[0].PartitionKey, entry.PartitionKey, StringComparison.Ordinal)))
            {
                yield return [.. chunk];
                chunk.Clear();
            }

            chunk.Add(entry);
        }

        if (chunk.Count > 0)
        {
            yield return [.. chunk];
        }
    }

    private async Task PurgeChunkAsync(GrantAccount account, TableClient indexTable, TableEntity[] chunk, DateTimeOffset now, PurgeTotals totals, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(
            chunk,
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentEntries, CancellationToken = cancellationToken },
            async (entry, token) => await PurgeEntryAsync(account, entry, now, totals, token));

        // Every partition of the chunk is emptied or rescheduled: now its entries may go, conditional on each as read,
        // so a writer that wrote one of these same entries again meanwhile keeps it.
        await DeleteChunkAsync(indexTable, chunk, cancellationToken);
    }

    private async Task PurgeEntryAsync(GrantAccount account, TableEntity entry, DateTimeOffset now, PurgeTotals totals, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref totals.Entries);
        if (!ExpiryIndex.TryParseEntryKey(entry.RowKey, out var tableName, out var partition) || !IndexedTables.Contains(tableName))
        {
            // Nothing to purge behind it, and left in place it would be read on every run: it goes with its chunk. The
            // key is not logged: partitions are grant families, part of the codes and tokens issued from them.
            logger.LogWarning("Expiry purge: dropping a malformed index entry in bucket {Bucket}", entry.PartitionKey);
            return;
        }

        var outcome = await PurgePartitionAsync(account.Tables, tableName, partition, now, cancellationToken);
        Interlocked.Add(ref totals.Read, outcome.Read);
        Interlocked.Add(ref totals.Deleted, outcome.Deleted);
        if (outcome.NextCheck is { } next)
        {
            // Rescheduled before the old entry goes, so the partition is never without one.
            await account.Index.AddAsync(tableName, partition, next, cancellationToken);
            Interlocked.Increment(ref totals.Rescheduled);
        }
    }

    private static async Task<PartitionOutcome> PurgePartitionAsync(OAuthTables tables, string tableName, string partition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(tableName, cancellationToken);
        var expired = new List<TableEntity>();
        DateTimeOffset? nextExpiry = null;
        var read = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition}"),
            select: ["PartitionKey", "RowKey", "ExpiresAt"],
            cancellationToken: cancellationToken))
        {
            read++;
            var expiresAt = ExpiresAt(row);
            if (expiresAt is not { } expiry || expiry <= now)
            {
                // The same rule as the reads (ExpiringTable.IsLive): a row without a readable expiry counts as expired.
                expired.Add(row);
            }
            else if (nextExpiry is null || expiry < nextExpiry)
            {
                nextExpiry = expiry;
            }
        }

        int deleted = 0, changed = 0;
        foreach (var chunk in expired.Chunk(MaxBatch))
        {
            var (chunkDeleted, chunkChanged) = await DeleteChunkAsync(table, chunk, cancellationToken);
            deleted += chunkDeleted;
            changed += chunkChanged;
        }

        // A row that changed since it was read (a refresh token rotated or a revocation renewed at the last moment) may
        // now expire later, and the writer relied on this partition's entry: look again soon rather than drop it.
        if (changed > 0 && (nextExpiry is null || nextExpiry > now + RecheckDelay))
        {
            nextExpiry = now + RecheckDelay;
        }

        return new PartitionOutcome(read, deleted, nextExpiry);
    }

    private static DateTimeOffset? ExpiresAt(TableEntity row) => row.TryGetValue(nameof(ExpiringEntity.ExpiresAt), out var value)
        ? value switch
        {
            DateTimeOffset expiresAt => expiresAt,
            DateTime expiresAt => new DateTimeOffset(DateTime.SpecifyKind(expiresAt, DateTimeKind.Utc)),
            _ => null,
        }
        : null;

    private static async Task<(int Deleted, int Changed)> DeleteChunkAsync(TableClient table, TableEntity[] rows, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag)), cancellationToken);
            return (rows.Length, 0);
        }
        catch (TableTransactionFailedException)
        {
            // A row changed or vanished since it was read (a writer, or another purge): one at a time tells which.
            int deleted = 0, changed = 0;
            foreach (var row in rows)
            {
                switch (await DeleteIgnoringMissingAsync(table, row, cancellationToken))
                {
                    case DeleteOutcome.Deleted:
                        deleted++;
                        break;
                    case DeleteOutcome.Changed:
                        changed++;
                        break;
                }
            }

            return (deleted, changed);
        }
    }

    private static async Task<DeleteOutcome> DeleteIgnoringMissingAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            // The SDK answers a missing row with its 404 response rather than an exception.
            var response = await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
            return response.Status is >= 200 and < 300 ? DeleteOutcome.Deleted : DeleteOutcome.Missing;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return DeleteOutcome.Missing;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return DeleteOutcome.Changed;
        }
    }

    private sealed class PurgeTotals
    {
        public int Entries;
        public int Read;
        public int Deleted;
        public int Rescheduled;

        public PurgeResult ToResult() => new(Entries, Read, Deleted, Rescheduled);
    }

    private sealed record PartitionOutcome(int Read, int Deleted, DateTimeOffset? NextCheck);

    private enum DeleteOutcome
    {
        Deleted,
        Missing,
        Changed,
    }
}
