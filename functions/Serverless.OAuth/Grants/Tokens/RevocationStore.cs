using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Grants.Tokens;

/// <summary>
/// Revoked access tokens. A JWT's jti is "{partition}.{random}", where the partition is the token's family (or, for
/// client credentials, its own id). A family's revocation is one row "*" in its partition; a single token's is a row
/// named by its jti. Checking a token is one small query of one partition, usually empty: one storage round trip.
/// </summary>
/// <remarks>In the account of the partition's family (<see cref="GrantAccounts"/>), like the family's grants.</remarks>
public sealed class RevocationStore : IRevocationStore
{
    public const string FamilyRow = "*";

    private readonly GrantAccounts _accounts;
    private readonly ExpiringTable[] _tables;

    /// <summary>Every revocation in one account.</summary>
    public RevocationStore(OAuthTables tables, ExpiryIndex expiryIndex, TimeProvider clock)
        : this(new GrantAccounts([new GrantAccount(tables, expiryIndex)]), clock)
    {
    }

    public RevocationStore(GrantAccounts accounts, TimeProvider clock)
    {
        _accounts = accounts;
        _tables = [.. accounts.All.Select(a => new ExpiringTable(OAuthTables.Revocations, a.Tables, a.Index, clock))];
    }

    private ExpiringTable Revocations(string partition) => _tables[_accounts.IndexOf(partition)];

    /// <summary>Revokes every access token of a partition issued until now; the marker lives as long as such tokens could.</summary>
    public Task RevokePartitionAsync(string partition, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        Revocations(partition).UpsertAsync(new RevocationEntity { PartitionKey = partition, RowKey = FamilyRow, ExpiresAt = until }, cancellationToken);

    public Task RevokeTokenAsync(string partition, string jti, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken = default) =>
        Revocations(partition).UpsertAsync(new RevocationEntity { PartitionKey = partition, RowKey = jti, ExpiresAt = tokenExpiresAt }, cancellationToken);

    public async Task<bool> IsRevokedAsync(string partition, string jti, CancellationToken cancellationToken = default)
    {
        await foreach (var row in Revocations(partition).QueryLiveAsync<RevocationEntity>(
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
