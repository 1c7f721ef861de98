using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// Inserts and conditional replaces that their own retry cannot contradict. The storage client retries a request whose
/// answer did not arrive in time (<see cref="OAuthTables.DefaultClientOptions"/>): when the first attempt was written,
/// the retry meets that row and fails, an insert with 409 and a replace with 412, and the caller would take its own
/// write for someone else's (a client or user just added reported as existing, a client assertion's first use as a
/// replay, a device's redemption as already used, so that no one gets its tokens). So each write puts an id of its own
/// in <see cref="Column"/>, and such a failure is the write's own success when the row there carries that id. It costs
/// one read, and only on that failure.
/// </summary>
public static class RetrySafeWrite
{
    /// <summary>The column with the id of the write that last wrote the row.</summary>
    public const string Column = "WriteId";

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
    public static Task<ETag> AddAsync<T>(TableClient table, T row, CancellationToken cancellationToken)
        where T : class, ITableEntity =>
        WriteAsync(table, row, 409, () => table.AddEntityAsync(row, cancellationToken), cancellationToken);

    /// <summary>
    /// Replaces the row if it is still at <paramref name="version"/> and returns its new version; when another writer
    /// changed or deleted it first, fails with the storage's 412 or 404 as a plain conditional replace does.
    /// </summary>
    public static Task<ETag> ReplaceAsync<T>(TableClient table, T row, ETag version, CancellationToken cancellationToken)
        where T : class, ITableEntity =>
        WriteAsync(table, row, 412, () => table.UpdateEntityAsync(row, version, TableUpdateMode.Replace, cancellationToken), cancellationToken);

    /// <summary>
    /// The write, stamped with an id of its own; its <paramref name="conflict"/> status (an insert's 409, a replace's
    /// 412) is its success when the row there carries that id, and is thrown as the storage's answer otherwise.
    /// </summary>
    private static async Task<ETag> WriteAsync(TableClient table, ITableEntity row, int conflict, Func<Task<Response>> write, CancellationToken cancellationToken)
    {
        var id = Stamp(row);
        try
        {
            return (await write()).Headers.ETag ?? default;
        }
        catch (RequestFailedException e) when (e.Status == conflict)
        {
            if (await WrittenByAsync(table, row, id, cancellationToken) is { } own)
            {
                return own;
            }

            throw;
        }
    }

    private static string Stamp(ITableEntity row)
    {
        var id = SecretValues.NewId();
        switch (row)
        {
            case TableEntity columns:
                columns[Column] = id;
                break;
            case ExpiringEntity typed:
                typed.WriteId = id;
                break;
            default:
                throw new ArgumentException($"A row of type {row.GetType().Name} has no {Column} column.", nameof(row));
        }

        return id;
    }

    /// <summary>The row's version when the row there is the one this write (<paramref name="id"/>) wrote; otherwise null.</summary>
    private static async Task<ETag?> WrittenByAsync(TableClient table, ITableEntity row, string id, CancellationToken cancellationToken)
    {
        var there = await table.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, row.RowKey, [Column], cancellationToken);
        return there.HasValue && there.Value is { } written && written.GetString(Column) == id ? written.ETag : null;
    }
}
