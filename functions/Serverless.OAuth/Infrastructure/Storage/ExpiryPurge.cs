using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Infrastructure.Storage;

public sealed record PurgeResult(int IndexEntriesRead, int RowsRead, int RowsDeleted, int PartitionsRescheduled);

/// <summary>An index partition with due entries (a minute's shard) in one account: 0 the main one, then the grant accounts in order.</summary>
public sealed record DueBucket(int Account, string Bucket);

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
/// Instances: <see cref="RunAsync(CancellationToken)"/> purges everything due in this process (the local host's timer,
/// the admin command). To spread the work, <see cref="DueBucketsAsync"/> names the due index partitions and
/// <see cref="PurgeBucketAsync"/> purges one, on any instance: the Functions app's timer (a singleton: the host holds a
/// blob lease per timer function) puts one queue message per due bucket, and a queue trigger, which the platform
/// scales out by the queue's length, purges each. A bucket purged twice at once (a message delivered again, a run
/// that overlaps another) is safe by the rules above; it only repeats reads.
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
        await PurgeEntriesAsync(account, indexTable, DueEntries(indexTable, now, ["PartitionKey", "RowKey"], cancellationToken), now, totals, cancellationToken);
    }

    /// <summary>
    /// The index partitions (a minute's shard) that hold due entries, in every account: the units a purge can be spread
    /// over, each purged whole by <see cref="PurgeBucketAsync"/> on any instance. Reads the due entries' keys only.
    /// </summary>
    public async IAsyncEnumerable<DueBucket> DueBucketsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        for (var account = 0; account < _accounts.Count; account++)
        {
            var indexTable = await _accounts[account].Tables.GetAsync(OAuthTables.Expiry, cancellationToken);
            string? last = null;
            await foreach (var entry in DueEntries(indexTable, now, ["PartitionKey"], cancellationToken))
            {
                // The query returns entries sorted by partition: a new bucket starts where the partition key changes.
                if (!string.Equals(entry.PartitionKey, last, StringComparison.Ordinal))
                {
                    last = entry.PartitionKey;
                    yield return new DueBucket(account, last);
                }
            }
        }
    }

    /// <summary>
    /// Purges the entries of one due index partition and the partitions they name, as <see cref="RunAsync(CancellationToken)"/>
    /// does for all of them: several instances may purge buckets at once, the same one included. A bucket of an account
    /// this server does not have, or one not yet due by this instance's clock, is left alone.
    /// </summary>
    public async Task<PurgeResult> PurgeBucketAsync(DueBucket bucket, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var totals = new PurgeTotals();
        if (bucket.Account < 0 || bucket.Account >= _accounts.Count
            || !bucket.Bucket.StartsWith(ExpiryIndex.BucketPrefix, StringComparison.Ordinal)
            || string.CompareOrdinal(bucket.Bucket, ExpiryIndex.FirstBucketNotDue(now)) >= 0)
        {
            logger.LogWarning("Expiry purge: ignoring bucket {Bucket} of account {Account}: not a due bucket of this server", bucket.Bucket, bucket.Account);
            return totals.ToResult();
        }

        var account = _accounts[bucket.Account];
        var indexTable = await account.Tables.GetAsync(OAuthTables.Expiry, cancellationToken);
        var entries = indexTable.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {bucket.Bucket}"),
            maxPerPage: 1000,
            select: ["PartitionKey", "RowKey"],
            cancellationToken: cancellationToken);
        await PurgeEntriesAsync(account, indexTable, entries, now, totals, cancellationToken);
        return totals.ToResult();
    }

    /// <summary>Only buckets whose minute has passed (every shard of them, and unsharded ones of earlier versions): every row they name had expired by then (buckets are rounded up).</summary>
    private static AsyncPageable<TableEntity> DueEntries(TableClient indexTable, DateTimeOffset now, string[] select, CancellationToken cancellationToken) =>
        indexTable.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey ge {ExpiryIndex.BucketPrefix} and PartitionKey lt {ExpiryIndex.FirstBucketNotDue(now)}"),
            maxPerPage: 1000,
            select: select,
            cancellationToken: cancellationToken);

    private async Task PurgeEntriesAsync(GrantAccount account, TableClient indexTable, AsyncPageable<TableEntity> entries, DateTimeOffset now, PurgeTotals totals, CancellationToken cancellationToken)
    {
        // Chunks are independent, so several at once: each waits on storage round trips, and one at a time would fall
        // behind as soon as more partitions expire per second than one sequence of round trips can clear. Two entries
        // naming one partition may then meet, which is no different from two instances purging at once.
        await Parallel.ForEachAsync(
            ChunksOfOneBucket(entries, cancellationToken),
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
