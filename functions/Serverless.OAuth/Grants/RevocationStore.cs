using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Grants;

/// <summary>
/// Revoked access tokens. A JWT's jti is "{partition}.{random}", where the partition is the token's family (or, for
/// client credentials, its own id). A family's revocation is one row "*" in its partition; a single token's is a row
/// named by its jti. Checking a token is one small query of one partition, usually empty: one storage round trip.
/// </summary>
public sealed class RevocationStore(OAuthTables tables, ExpiryIndex expiryIndex, TimeProvider clock) : IRevocationStore
{
    public const string FamilyRow = "*";

    private readonly ExpiringTable _revocations = new(OAuthTables.Revocations, tables, expiryIndex, clock);

    /// <summary>Revokes every access token of a partition issued until now; the marker lives as long as such tokens could.</summary>
    public Task RevokePartitionAsync(string partition, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        _revocations.UpsertAsync(new RevocationEntity { PartitionKey = partition, RowKey = FamilyRow, ExpiresAt = until }, cancellationToken);

    public Task RevokeTokenAsync(string partition, string jti, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken = default) =>
        _revocations.UpsertAsync(new RevocationEntity { PartitionKey = partition, RowKey = jti, ExpiresAt = tokenExpiresAt }, cancellationToken);

    public async Task<bool> IsRevokedAsync(string partition, string jti, CancellationToken cancellationToken = default)
    {
        await foreach (var row in _revocations.QueryLiveAsync<RevocationEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey"], cancellationToken))
        {
            if (row.RowKey == FamilyRow || row.RowKey == jti)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A revocation: its row key says what it revokes; it is kept as long as what it revokes could be used.</summary>
    private sealed class RevocationEntity : ExpiringEntity;
}
