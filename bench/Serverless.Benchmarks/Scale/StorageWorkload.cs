using Serverless.OAuth.Grants;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.Benchmarks.Scale;

public enum RequestKind
{
    ClientCredentials,
    CodeFlow,
    Refresh,
    ResourceValidation,
}

/// <summary>One storage transaction: the partition it lands in and how many entities it touches.</summary>
public readonly record struct StorageOperation(string Table, string Partition, int Entities, bool Write);

/// <summary>
/// The storage transactions of each kind of request, as the stores issue them (the counts are the ones
/// StorageRoundTripTests asserts on the wire), with every partition and index bucket computed by the stores' own key
/// functions: family ids from SecretValues, index buckets from ExpiryIndex, lockout rows from FailedAttemptLockout.
/// The purge's work for a grant is included at the rate grants are made, as it is in a steady state.
/// </summary>
public sealed class StorageWorkload(OAuthServerOptions options, int shards)
{
    public void Add(RequestKind kind, DateTimeOffset now, string username, string token, List<StorageOperation> operations)
    {
        switch (kind)
        {
            case RequestKind.CodeFlow:
                AddCodeFlow(now, username, operations);
                break;
            case RequestKind.Refresh:
                // Read the presented token; one transaction: mark it rotated, add its successor. The family is the token's.
                var family = SecretValues.TrySplit(token, out var id, out _) ? id : token;
                operations.Add(new(OAuthTables.Grants, family, 1, Write: false));
                operations.Add(new(OAuthTables.Grants, family, 2, Write: true));
                break;
            case RequestKind.ResourceValidation:
                // One query of the token's revocation partition, named by its jti ("{family}.{random}").
                operations.Add(new(OAuthTables.Revocations, SecretValues.TrySplit(token, out var partition, out _) ? partition : token, 1, Write: false));
                break;
            case RequestKind.ClientCredentials:
                // None: the client and its verified secret are cached per instance for ClientCacheLifetime.
                break;
        }
    }

    private void AddCodeFlow(DateTimeOffset now, string username, List<StorageOperation> operations)
    {
        // POST /authorize: the account's and then the address's attempt reserved (an index entry, the lockout row),
        // the user, both released (the rows deleted), the code's index entry and the code. The address stands for a
        // distinct source per user here; many users behind one address share its row.
        var family = SecretValues.NewId();
        var entry = ExpiryIndex.EntryKey(OAuthTables.Grants, family);
        var lockoutRows = new[]
        {
            (Partition: LockoutKey.ForUser(username).Partition, Policy: options.Lockout),
            (Partition: LockoutKey.ForAddress(username).Partition, Policy: options.AddressLockout),
        };
        foreach (var (partition, policy) in lockoutRows)
        {
            var lockoutExpiry = now + policy.FailureWindow + policy.MaxLockDuration;
            operations.Add(new(OAuthTables.Expiry, ExpiryIndex.Bucket(lockoutExpiry, ExpiryIndex.EntryKey(OAuthTables.Lockouts, partition), shards), 1, Write: true));
            operations.Add(new(OAuthTables.Lockouts, partition, 1, Write: true));
        }

        operations.Add(new(OAuthTables.Users, username, 1, Write: false));
        operations.AddRange(lockoutRows.Select(row => new StorageOperation(OAuthTables.Lockouts, row.Partition, 1, Write: true)));
        operations.Add(new(OAuthTables.Expiry, ExpiryIndex.Bucket(now + options.AuthorizationCodeLifetime, entry, shards), 1, Write: true));
        operations.Add(new(OAuthTables.Grants, family, 1, Write: true));

        // Code exchange: read the code; one transaction deletes it and adds its tombstone and the first refresh token.
        operations.Add(new(OAuthTables.Grants, family, 1, Write: false));
        operations.Add(new(OAuthTables.Grants, family, 3, Write: true));

        // The purge when the code's minute is due (a grant made a minute earlier, in the steady state): the family
        // read, its entry rescheduled to the refresh token's expiry, the due entry deleted; one index page per 1,000.
        var earlier = SecretValues.NewId();
        var earlierEntry = ExpiryIndex.EntryKey(OAuthTables.Grants, earlier);
        operations.Add(new(OAuthTables.Grants, earlier, 2, Write: false));
        operations.Add(new(OAuthTables.Expiry, ExpiryIndex.Bucket(now + options.RefreshTokenIdleLifetime, earlierEntry, shards), 1, Write: true));
        operations.Add(new(OAuthTables.Expiry, DueBucket(now, earlierEntry), 1, Write: true));

        // And when a family dies weeks later: read, its rows deleted in one transaction, its entry deleted.
        var dying = SecretValues.NewId();
        var dyingEntry = ExpiryIndex.EntryKey(OAuthTables.Grants, dying);
        operations.Add(new(OAuthTables.Grants, dying, 2, Write: false));
        operations.Add(new(OAuthTables.Grants, dying, 2, Write: true));
        operations.Add(new(OAuthTables.Expiry, DueBucket(now, dyingEntry), 1, Write: true));
    }

    /// <summary>The bucket the purge is emptying at <paramref name="now"/>: the minute just passed.</summary>
    private string DueBucket(DateTimeOffset now, string entry) => ExpiryIndex.Bucket(now.AddMinutes(-1), entry, shards);
}
