using Azure.Data.Tables;
using Serverless.OAuth.Storage;

namespace Serverless.OAuth.Grants;

/// <summary>
/// Revoked access tokens. A JWT's jti is "{partition}.{random}", where the partition is the token's family (or, for
/// client credentials, its own id). A family's revocation is one row "*" in its partition; a single token's is a row
/// named by its jti. Checking a token is one small query of one partition, usually empty: one storage round trip.
/// </summary>
public sealed class RevocationStore(OAuthTables tables, ExpiryIndex expiryIndex, TimeProvider clock)
{
    public const string FamilyRow = "*";


    /// <summary>Revokes every access token of a partition issued until now; the marker lives as long as such tokens could.</summary>
    public Task RevokePartitionAsync(string partition, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        AddAsync(partition, FamilyRow, until, cancellationToken);

    public Task RevokeTokenAsync(string partition, string jti, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken = default) =>
        AddAsync(partition, jti, tokenExpiresAt, cancellationToken);

    public async Task<bool> IsRevokedAsync(string partition, string jti, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var table = await tables.GetAsync(OAuthTables.Revocations, cancellationToken);
        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition}"),
            select: ["RowKey", "ExpiresAt"],
            cancellationToken: cancellationToken))
        {
            if ((row.RowKey == FamilyRow || row.RowKey == jti) && row.GetDateTimeOffset("ExpiresAt") > now)
            {
                return true;
            }
        }

        return false;
    }

    private async Task AddAsync(string partition, string row, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await expiryIndex.AddAsync(OAuthTables.Revocations, partition, expiresAt, cancellationToken);
        var table = await tables.GetAsync(OAuthTables.Revocations, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(partition, row) { ["ExpiresAt"] = expiresAt }, TableUpdateMode.Replace, cancellationToken);
    }
}
