using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Storage;

namespace Serverless.OAuth.Grants;

/// <summary>What the code row and its tombstone say about a presented code.</summary>
public sealed record CodeLookup(string FamilyId, AuthorizationCodeEntity? Code, RedeemedCodeEntity? Redeemed);

/// <summary>What the store knows of a presented refresh token; <see cref="Row"/> is null when it is unknown.</summary>
public sealed record RefreshTokenLookup(string FamilyId, string TokenHash, RefreshTokenEntity? Row);

/// <summary>A refresh token to create: its value goes to the client once; only its hash is stored.</summary>
public sealed record NewRefreshToken(string Value, RefreshTokenEntity Row);

/// <summary>
/// Authorization codes and refresh tokens in the grants table, one partition per authorization (a "family"), so that
/// every state change of a family is one entity-group transaction: redeeming a code (delete the code if unchanged,
/// write its tombstone and the first refresh token) and rotating a refresh token (spend the old one if unchanged,
/// write the new one). Of concurrent attempts, exactly one transaction commits; the others see a conflict.
/// </summary>
/// <remarks>
/// The Azure SDK retries a transaction whose answer was lost (500 OperationTimedOut, a dropped connection), and when
/// the first attempt had committed, the retry conflicts with it. So a conflict is followed by one point read of a row
/// only this attempt could have written: found, the transaction is ours and the grant goes on; the client never gets a
/// failure (or a revocation) for a change that was made.
/// </remarks>
public sealed class GrantStore(OAuthTables tables, ExpiryIndex expiryIndex, TimeProvider clock)
{

    /// <summary>Stores a new code and returns its value. The index entry is written first, so no row escapes the purge.</summary>
    public async Task<string> CreateCodeAsync(AuthorizationCodeEntity code, CancellationToken cancellationToken = default)
    {
        var familyId = SecretValues.NewId();
        var value = SecretValues.Compose(familyId, SecretValues.NewSecret());
        code.PartitionKey = familyId;
        code.RowKey = AuthorizationCodeEntity.Row;
        code.CodeHash = SecretValues.Hash(value);

        await expiryIndex.AddAsync(OAuthTables.Grants, familyId, code.ExpiresAt, cancellationToken);
        var table = await tables.GetAsync(OAuthTables.Grants, cancellationToken);
        // An upsert, not an add: the family id is new and random, so nothing else can be there, and an add retried after
        // its answer was lost (the row written) would fail on its own first attempt.
        await table.UpsertEntityAsync(code, TableUpdateMode.Replace, cancellationToken);
        return value;
    }

    /// <summary>
    /// Finds a code: one point read on the normal path; a second (the tombstone) only when the code row is gone.
    /// Null when the value is malformed. Expired rows are returned as absent.
    /// </summary>
    public async Task<CodeLookup?> FindCodeAsync(string code, CancellationToken cancellationToken = default)
    {
        if (!SecretValues.TrySplit(code, out var familyId, out _))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var table = await tables.GetAsync(OAuthTables.Grants, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<AuthorizationCodeEntity>(familyId, AuthorizationCodeEntity.Row, cancellationToken: cancellationToken);
        if (row.HasValue && SecretValues.HashEquals(row.Value!.CodeHash, code))
        {
            return new CodeLookup(familyId, row.Value.IsLive(now) ? row.Value : null, null);
        }

        var tombstone = await table.GetEntityIfExistsAsync<RedeemedCodeEntity>(familyId, RedeemedCodeEntity.Row, cancellationToken: cancellationToken);
        var redeemed = tombstone.HasValue && tombstone.Value!.IsLive(now) && SecretValues.HashEquals(tombstone.Value.CodeHash, code)
            ? tombstone.Value
            : null;
        return new CodeLookup(familyId, null, redeemed);
    }

    /// <summary>
    /// Spends a code atomically: deletes it if its ETag is unchanged and writes the tombstone and the first refresh
    /// token in the same transaction. False when another redemption won the race (nothing was written by this one).
    /// </summary>
    public async Task<bool> RedeemCodeAsync(
        AuthorizationCodeEntity code, DateTimeOffset familyExpiresAt, NewRefreshToken? refreshToken, CancellationToken cancellationToken = default)
    {
        var redemptionId = Guid.NewGuid().ToString("N");
        var actions = new List<TableTransactionAction>(3)
        {
            new(TableTransactionActionType.Delete, code, code.ETag),
            new(TableTransactionActionType.Add, new RedeemedCodeEntity
            {
                PartitionKey = code.PartitionKey,
                RowKey = RedeemedCodeEntity.Row,
                CodeHash = code.CodeHash,
                ClientId = code.ClientId,
                ExpiresAt = familyExpiresAt,
                RedemptionId = redemptionId,
            }),
        };
        if (refreshToken is not null)
        {
            actions.Add(new(TableTransactionActionType.Add, Prepare(code.PartitionKey, refreshToken)));
        }

        if (await SubmitAsync(actions, cancellationToken))
        {
            return true;
        }

        var table = await tables.GetAsync(OAuthTables.Grants, cancellationToken);
        var tombstone = await table.GetEntityIfExistsAsync<RedeemedCodeEntity>(
            code.PartitionKey, RedeemedCodeEntity.Row, select: [nameof(RedeemedCodeEntity.RedemptionId)], cancellationToken: cancellationToken);
        return tombstone.HasValue && tombstone.Value!.RedemptionId == redemptionId;
    }

    public async Task<RefreshTokenLookup?> FindRefreshTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!SecretValues.TrySplit(token, out var familyId, out _))
        {
            return null;
        }

        var hash = SecretValues.Hash(token);
        var table = await tables.GetAsync(OAuthTables.Grants, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<RefreshTokenEntity>(familyId, RefreshTokenEntity.RowKeyFor(hash), cancellationToken: cancellationToken);
        var live = row.HasValue && row.Value!.IsLive(clock.GetUtcNow()) ? row.Value : null;
        return new RefreshTokenLookup(familyId, hash, live);
    }

    /// <summary>
    /// Rotates: marks the presented token rotated (if its ETag is unchanged), seals its successor under it, and writes
    /// the successor, in one transaction. False when a concurrent rotation or revocation got there first.
    /// </summary>
    public async Task<bool> RotateAsync(
        RefreshTokenLookup current, string presentedToken, NewRefreshToken successor, CancellationToken cancellationToken = default)
    {
        var spent = current.Row!;
        var update = new TableEntity(spent.PartitionKey, spent.RowKey)
        {
            ["State"] = RefreshTokenState.Rotated,
            ["RotatedAt"] = clock.GetUtcNow(),
            ["SuccessorCiphertext"] = SuccessorEnvelope.Seal(presentedToken, successor.Value),
            // A rotated row is kept until the family could no longer be used, to recognise its reuse.
            ["ExpiresAt"] = spent.AbsoluteExpiresAt,
        };
        var successorRow = Prepare(current.FamilyId, successor);
        var actions = new[]
        {
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, update, spent.ETag),
            new TableTransactionAction(TableTransactionActionType.Add, successorRow),
        };
        if (await SubmitAsync(actions, cancellationToken))
        {
            return true;
        }

        // The successor's row key is the hash of a value made for this attempt: only this transaction writes it.
        var table = await tables.GetAsync(OAuthTables.Grants, cancellationToken);
        var written = await table.GetEntityIfExistsAsync<TableEntity>(
            successorRow.PartitionKey, successorRow.RowKey, select: ["RowKey"], cancellationToken: cancellationToken);
        return written.HasValue;
    }

    /// <summary>
    /// Revokes every refresh token of a family that can still be used. Retries until no active row is left, so a
    /// rotation that commits concurrently is revoked too. Returns how many rows it revoked.
    /// </summary>
    public async Task<int> RevokeFamilyAsync(string familyId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Grants, cancellationToken);
        var revoked = 0;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var active = new List<TableEntity>();
            await foreach (var row in table.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {familyId} and State ne {RefreshTokenState.Revoked}"),
                select: ["PartitionKey", "RowKey", "State"],
                cancellationToken: cancellationToken))
            {
                if (row.RowKey.StartsWith(RefreshTokenEntity.RowPrefix, StringComparison.Ordinal))
                {
                    active.Add(row);
                }
            }

            if (active.Count == 0)
            {
                return revoked;
            }

            var conflict = false;
            foreach (var chunk in active.Chunk(100))
            {
                var actions = chunk.Select(r => new TableTransactionAction(
                    TableTransactionActionType.UpdateMerge,
                    new TableEntity(r.PartitionKey, r.RowKey) { ["State"] = RefreshTokenState.Revoked },
                    r.ETag));
                if (await SubmitAsync(actions, cancellationToken))
                {
                    revoked += chunk.Length;
                }
                else
                {
                    conflict = true;
                }
            }

            if (!conflict)
            {
                return revoked;
            }
        }

        return revoked;
    }

    private static RefreshTokenEntity Prepare(string familyId, NewRefreshToken token)
    {
        token.Row.PartitionKey = familyId;
        token.Row.RowKey = RefreshTokenEntity.RowKeyFor(SecretValues.Hash(token.Value));
        token.Row.State = RefreshTokenState.Active;
        return token.Row;
    }

    /// <summary>Submits one entity-group transaction; false when a condition failed (an ETag changed, a row existed or was gone).</summary>
    private async Task<bool> SubmitAsync(IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(OAuthTables.Grants, cancellationToken);
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
        {
            return false;
        }
    }
}
