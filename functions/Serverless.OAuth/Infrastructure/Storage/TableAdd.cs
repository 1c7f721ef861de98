using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// An insert that says whether the key was free, and that its own retry cannot contradict. The storage client retries
/// a request whose answer did not arrive in time (<see cref="OAuthTables.DefaultClientOptions"/>): when the first
/// attempt was written, the retry meets that row and fails with 409, and a plain add would report the key as taken by
/// someone else (a client or user just added reported as existing already, a client assertion or DPoP proof used once
/// reported as replayed). So each add writes an id of its own in <see cref="Column"/>, and a 409 is this add's own
/// success when the row there carries that id.
/// </summary>
public static class TableAdd
{
    /// <summary>The column with the id of the add that wrote the row.</summary>
    public const string Column = "AddId";

    /// <summary>Inserts the row: true when this call wrote it, false when the key was already another's.</summary>
    public static async Task<bool> TryAddAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await AddAsync(table, row, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>
    /// Inserts the row (a <see cref="TableEntity"/> or an <see cref="ExpiringEntity"/>) and returns its version; when the
    /// key was already another's, fails with the storage's 409 as a plain insert does.
    /// </summary>
    public static async Task<ETag> AddAsync<T>(TableClient table, T row, CancellationToken cancellationToken)
        where T : class, ITableEntity
    {
        var id = SecretValues.NewId();
        switch (row)
        {
            case TableEntity columns:
                columns[Column] = id;
                break;
            case ExpiringEntity typed:
                typed.AddId = id;
                break;
            default:
                throw new ArgumentException($"A row of type {row.GetType().Name} has no {Column} column.", nameof(row));
        }

        try
        {
            return (await table.AddEntityAsync(row, cancellationToken)).Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var there = await table.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, row.RowKey, [Column], cancellationToken);
            if (there.HasValue && there.Value is { } written && written.GetString(Column) == id)
            {
                return written.ETag;
            }

            throw;
        }
    }
}
