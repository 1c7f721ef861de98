using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>The signingkeys table of KeyVaultWrapped mode: the live rows, and an insert that settles the create race.</summary>
public sealed class WrappedKeyStore(OAuthTables tables, ExpiryIndex expiryIndex, TimeProvider clock)
{
    private readonly ExpiringTable _keys = new(OAuthTables.SigningKeys, tables, expiryIndex, clock);

    /// <summary>A handful of rows: the keys still published (expired ones the purge has not deleted yet are left out).</summary>
    public async Task<List<WrappedSigningKeyEntity>> ReadLiveAsync(CancellationToken cancellationToken)
    {
        var rows = new List<WrappedSigningKeyEntity>();
        await foreach (var row in _keys.QueryLiveAsync<WrappedSigningKeyEntity>(filter: null, select: null, cancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// Inserts the row, or answers the row another instance inserted in the same partition first (Created is false):
    /// instances racing to create a period's key all end up with the same one.
    /// </summary>
    public async Task<(WrappedSigningKeyEntity Row, bool Created)> AddOrGetAsync(WrappedSigningKeyEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await _keys.AddAsync(row, cancellationToken);
            return (row, true);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            var winner = await _keys.GetStoredAsync<WrappedSigningKeyEntity>(row.PartitionKey, row.RowKey, cancellationToken);
            return (winner ?? throw new InvalidOperationException("A signing key row that conflicted on insert was gone when read."), false);
        }
    }
}
