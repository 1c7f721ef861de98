using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Storage;

public sealed record PurgeResult(int IndexEntriesRead, int RowsRead, int RowsDeleted, int PartitionsRescheduled);

/// <summary>
/// Deletes expired rows. It reads only index entries whose minute has passed and the partitions they name; deletes
/// are conditional on the row's ETag (a row changed since it was read is left alone) and missing rows are ignored, so
/// it is idempotent and several instances may run it at once.
/// </summary>
public sealed class ExpiryPurge(OAuthTables tables, ExpiryIndex index, TimeProvider clock, ILogger<ExpiryPurge> logger)
{
    private const int MaxBatch = 100;

    public async Task<PurgeResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var indexTable = await tables.GetAsync(OAuthTables.Expiry, cancellationToken);

        // Buckets are rounded up, so an entry whose bucket is at or before now names rows that have all expired.
        var due = indexTable.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey le {ExpiryIndex.Bucket(now)}"),
            maxPerPage: 1000,
            select: ["PartitionKey", "RowKey"],
            cancellationToken: cancellationToken);

        int entries = 0, read = 0, deleted = 0, rescheduled = 0;
        await foreach (var entry in due)
        {
            entries++;
            var separator = entry.RowKey.IndexOf('|');
            var tableName = entry.RowKey[..separator];
            var partition = entry.RowKey[(separator + 1)..];
            if (!OAuthTables.All.Contains(tableName))
            {
                continue;
            }

            var (rowsRead, rowsDeleted, nextExpiry) = await PurgePartitionAsync(tableName, partition, now, cancellationToken);
            read += rowsRead;
            deleted += rowsDeleted;
            if (nextExpiry is { } next)
            {
                await index.AddAsync(tableName, partition, next, cancellationToken);
                rescheduled++;
            }

            await DeleteIgnoringMissingAsync(indexTable, entry.PartitionKey, entry.RowKey, ETag.All, cancellationToken);
        }

        logger.LogInformation(
            "Expiry purge: {Entries} index entries, {Read} rows read, {Deleted} expired rows deleted, {Rescheduled} partitions rescheduled",
            entries, read, deleted, rescheduled);
        return new PurgeResult(entries, read, deleted, rescheduled);
    }

    private async Task<(int Read, int Deleted, DateTimeOffset? NextExpiry)> PurgePartitionAsync(
        string tableName, string partition, DateTimeOffset now, CancellationToken cancellationToken)
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
            var expiresAt = row.GetDateTimeOffset("ExpiresAt");
            if (expiresAt is null || expiresAt <= now)
            {
                // A row without an expiry in an expiring partition is a half-written leftover; it is treated as expired.
                expired.Add(row);
            }
            else if (nextExpiry is null || expiresAt < nextExpiry)
            {
                nextExpiry = expiresAt;
            }
        }

        var deleted = 0;
        foreach (var chunk in expired.Chunk(MaxBatch))
        {
            deleted += await DeleteChunkAsync(table, chunk, cancellationToken);
        }

        return (read, deleted, nextExpiry);
    }

    private static async Task<int> DeleteChunkAsync(TableClient table, TableEntity[] rows, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag)), cancellationToken);
            return rows.Length;
        }
        catch (TableTransactionFailedException)
        {
            // One row changed or vanished since it was read (another purge, or a writer): fall back to one at a time.
            var deleted = 0;
            foreach (var row in rows)
            {
                if (await DeleteIgnoringMissingAsync(table, row.PartitionKey, row.RowKey, row.ETag, cancellationToken))
                {
                    deleted++;
                }
            }

            return deleted;
        }
    }

    private static async Task<bool> DeleteIgnoringMissingAsync(TableClient table, string partition, string row, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            // The SDK answers a missing row with its 404 response rather than an exception.
            var response = await table.DeleteEntityAsync(partition, row, etag, cancellationToken);
            return response.Status is >= 200 and < 300;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }
}
