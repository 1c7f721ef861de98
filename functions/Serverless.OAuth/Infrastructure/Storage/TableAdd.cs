using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// An insert that says whether the key was free, and that its own retry cannot contradict. The storage client retries
/// a request whose answer did not arrive in time (<see cref="OAuthTables.DefaultClientOptions"/>): when the first
/// attempt was written, the retry meets that row and fails with 409, and a plain add would report the name as taken by
/// someone else (a client or user just added, reported as existing already). So each add writes an id of its own in
/// <see cref="Column"/>, and a 409 is this add's own success when the row there carries that id.
/// </summary>
public static class TableAdd
{
    /// <summary>The column with the id of the add that wrote the row.</summary>
    public const string Column = "AddId";

    /// <summary>Inserts the row: true when this call wrote it, false when the key was already another's.</summary>
    public static async Task<bool> TryAddAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        var id = SecretValues.NewId();
        row[Column] = id;
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var there = await table.GetEntityIfExistsAsync<TableEntity>(row.PartitionKey, row.RowKey, [Column], cancellationToken);
            return there.HasValue && there.Value?.GetString(Column) == id;
        }
    }
}
