using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Storage;

namespace Serverless.OAuth.Signing.KeyVault;

/// <summary>The signingkeys table of KeyVaultWrapped mode: the live rows, and an insert that settles the create race.</summary>
public sealed class WrappedKeyStore(OAuthTables tables, ExpiryIndex expiryIndex)
{
    /// <summary>A handful of rows: the keys still published (expired ones the purge has not deleted yet are left out).</summary>
    public async Task<List<WrappedSigningKeyEntity>> ReadLiveAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(OAuthTables.SigningKeys, cancellationToken);
        var rows = new List<WrappedSigningKeyEntity>();
        await foreach (var row in table.QueryAsync<WrappedSigningKeyEntity>(
            TableClient.CreateQueryFilter($"ExpiresAt gt {now}"), cancellationToken: cancellationToken))
        {
            if (row.IsLive(now))
            {
                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>
    /// Inserts the row, or answers the row another instance inserted in the same partition first (Created is false):
    /// instances racing to create a period's key all end up with the same one.
    /// </summary>
    public async Task<(WrappedSigningKeyEntity Row, bool Created)> AddOrGetAsync(WrappedSigningKeyEntity row, CancellationToken cancellationToken)
    {
        // The index entry first, so the purge can always find the row.
        await expiryIndex.AddAsync(OAuthTables.SigningKeys, row.PartitionKey, row.ExpiresAt, cancellationToken);
        var table = await tables.GetAsync(OAuthTables.SigningKeys, cancellationToken);
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
            return (row, true);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var winner = await table.GetEntityAsync<WrappedSigningKeyEntity>(row.PartitionKey, row.RowKey, cancellationToken: cancellationToken);
            return (winner.Value, false);
        }
    }
}
