using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.Benchmarks.Purge;



/// <summary>
/// The purge as it was before index entries were deleted in transactions (a copy, for the bench's before/after).
/// Deletes expired rows. It reads only index entries whose minute has passed and the partitions they name, so its cost
/// follows what expired, never what is live. Deletes are conditional on the ETag each row was read with (a row changed
/// since is left alone and its partition looked at again) and missing rows are ignored, so it is idempotent and several
/// instances may run it at once. Invariant kept: a partition with rows always has an index entry at or before its
/// earliest expiry; an entry is removed only after its partition has been rescheduled or emptied.
/// </summary>
public sealed class OneByOnePurge(OAuthTables tables, ExpiryIndex index, TimeProvider clock, ILogger logger)
{
    /// <summary>An entity-group transaction holds at most 100 operations.</summary>
    private const int MaxBatch = 100;

    /// <summary>Index entries purged at once by one run.</summary>
    private const int MaxConcurrentEntries = 16;

    /// <summary>How soon a partition is read again when one of its rows changed while the purge was deleting.</summary>
    private static readonly TimeSpan RecheckDelay = TimeSpan.FromMinutes(1);

    /// <summary>The tables whose rows the index names; an entry naming any other is malformed.</summary>
    private static readonly HashSet<string> IndexedTables = OAuthTables.All.Where(t => t != OAuthTables.Expiry).ToHashSet(StringComparer.Ordinal);

    public async Task<PurgeResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var indexTable = await tables.GetAsync(OAuthTables.Expiry, cancellationToken);

        // Only buckets whose minute has passed (every shard of them, and unsharded ones of earlier versions): every row
        // they name had expired by then (buckets are rounded up).
        var due = indexTable.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey ge {ExpiryIndex.BucketPrefix} and PartitionKey lt {ExpiryIndex.FirstBucketNotDue(now)}"),
            maxPerPage: 1000,
            select: ["PartitionKey", "RowKey"],
            cancellationToken: cancellationToken);

        // Entries are independent, so several at once: each waits on storage round trips, and one at a time would fall
        // behind as soon as more partitions expire per second than one sequence of round trips can clear. Two entries
        // naming one partition may then meet, which is no different from two instances purging at once.
        var totals = new PurgeTotals();
        await Parallel.ForEachAsync(
            due,
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentEntries, CancellationToken = cancellationToken },
            async (entry, token) => await PurgeEntryAsync(indexTable, entry, now, totals, token));

        var result = totals.ToResult();
        logger.LogDebug(
            "Expiry purge: {Entries} index entries, {Read} rows read, {Deleted} expired rows deleted, {Rescheduled} partitions rescheduled",
            result.IndexEntriesRead, result.RowsRead, result.RowsDeleted, result.PartitionsRescheduled);
        return result;
    }

    private async Task PurgeEntryAsync(TableClient indexTable, TableEntity entry, DateTimeOffset now, PurgeTotals totals, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref totals.Entries);
        if (!ExpiryIndex.TryParseEntryKey(entry.RowKey, out var tableName, out var partition) || !IndexedTables.Contains(tableName))
        {
            // Nothing to purge behind it, and left in place it would be read on every run. The key is not logged:
            // partitions are grant families, part of the codes and tokens issued from them.
            logger.LogWarning("Expiry purge: dropping a malformed index entry in bucket {Bucket}", entry.PartitionKey);
            await DeleteIgnoringMissingAsync(indexTable, entry, cancellationToken);
            return;
        }

        var outcome = await PurgePartitionAsync(tableName, partition, now, cancellationToken);
        Interlocked.Add(ref totals.Read, outcome.Read);
        Interlocked.Add(ref totals.Deleted, outcome.Deleted);
        if (outcome.NextCheck is { } next)
        {
            // Rescheduled before the old entry goes, so the partition is never without one.
            await index.AddAsync(tableName, partition, next, cancellationToken);
            Interlocked.Increment(ref totals.Rescheduled);
        }

        // Conditional on the entry as read: a writer that wrote this same entry again meanwhile keeps it.
        await DeleteIgnoringMissingAsync(indexTable, entry, cancellationToken);
    }

    private async Task<PartitionOutcome> PurgePartitionAsync(string tableName, string partition, DateTimeOffset now, CancellationToken cancellationToken)
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
