using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Grants;

/// <summary>What the code row and its tombstone say about a presented code: live, already redeemed, or neither.</summary>
public sealed record CodeLookup(string FamilyId, IssuedCode? Code, bool Redeemed);

/// <summary>What the store knows of a presented refresh token; <see cref="Row"/> is null when it is unknown or expired.</summary>
public sealed record RefreshTokenLookup(string FamilyId, RefreshTokenRecord? Row);

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
/// <remarks>
/// A family's rows are in one storage account, the one its id names (<see cref="GrantAccounts"/>): every read and
/// transaction of the family goes there, so the guarantees above hold per account unchanged.
/// </remarks>
public sealed class GrantStore : IGrantStore
{
    private readonly GrantAccounts _accounts;
    private readonly ExpiringTable[] _tables;
    private readonly TimeProvider clock;

    /// <summary>Every family in one account.</summary>
    public GrantStore(OAuthTables tables, ExpiryIndex expiryIndex, TimeProvider clock)
        : this(new GrantAccounts([new GrantAccount(tables, expiryIndex)]), clock)
    {
    }

    public GrantStore(GrantAccounts accounts, TimeProvider clock)
    {
        _accounts = accounts;
        _tables = [.. accounts.All.Select(a => new ExpiringTable(OAuthTables.Grants, a.Tables, a.Index, clock))];
        this.clock = clock;
    }

    /// <summary>The grants table of the family's account.</summary>
    private ExpiringTable Grants(string familyId) => _tables[_accounts.IndexOf(familyId)];

    private GrantSecret MintInNewFamily() => GrantSecret.Mint(_accounts.NewFamilyId());

    /// <summary>Mints and stores a new code in a family of its own, and returns its value.</summary>
    public Task<string> CreateCodeAsync(CodeGrant grant, DateTimeOffset expiresAt, CancellationToken cancellationToken = default) =>
        CreateCodeAsync(grant, expiresAt, _ => Task.CompletedTask, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>At once: the code's row and what is recorded with it are in different partitions and depend on nothing but the id.</remarks>
    public async Task<string> CreateCodeAsync(CodeGrant grant, DateTimeOffset expiresAt, Func<string, Task> alongside, CancellationToken cancellationToken)
    {
        var code = MintInNewFamily();
        // An upsert, not an add: the family id is new and random, so nothing else can be there, and an add retried after
        // its answer was lost (the row written) would fail on its own first attempt.
        await Task.WhenAll(Grants(code.FamilyId).UpsertAsync(ToEntity(code, grant, expiresAt), cancellationToken), alongside(code.FamilyId));
        return code.Value;
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

        var stored = await Grants(familyId).GetStoredAsync<AuthorizationCodeEntity>(familyId, AuthorizationCodeEntity.Row, cancellationToken);
        if (stored is not null && SecretValues.HashEquals(stored.CodeHash, code))
        {
            return new CodeLookup(familyId, Grants(familyId).IsLive(stored) ? FromEntity(stored) : null, Redeemed: false);
        }

        var tombstone = await Grants(familyId).GetAsync<RedeemedCodeEntity>(familyId, RedeemedCodeEntity.Row, cancellationToken);
        return new CodeLookup(familyId, null, tombstone is not null && SecretValues.HashEquals(tombstone.CodeHash, code));
    }

    /// <summary>
    /// Spends a code atomically: deletes it if unchanged since it was read and writes the tombstone and the first
    /// refresh token in the same transaction. False when another redemption won the race (nothing was written by this one).
    /// </summary>
    public async Task<bool> RedeemCodeAsync(
        IssuedCode code, DateTimeOffset familyExpiresAt, NewRefreshToken? refreshToken, CancellationToken cancellationToken = default)
    {
        var redemptionId = Guid.NewGuid().ToString("N");
        var actions = new List<TableTransactionAction>(3)
        {
            new(TableTransactionActionType.Delete, new TableEntity(code.FamilyId, AuthorizationCodeEntity.Row), code.Version.ToETag()),
            new(TableTransactionActionType.Add, new RedeemedCodeEntity
            {
                PartitionKey = code.FamilyId,
                RowKey = RedeemedCodeEntity.Row,
                CodeHash = code.CodeHash,
                ClientId = code.Grant.ClientId,
                ExpiresAt = familyExpiresAt,
                RedemptionId = redemptionId,
            }),
        };
        if (refreshToken is not null)
        {
            actions.Add(new(TableTransactionActionType.Add, ToEntity(refreshToken)));
        }

        if (await Grants(code.FamilyId).SubmitAsync(actions, cancellationToken))
        {
            return true;
        }

        var tombstone = await Grants(code.FamilyId).GetStoredAsync<RedeemedCodeEntity>(code.FamilyId, RedeemedCodeEntity.Row, cancellationToken);
        return tombstone?.RedemptionId == redemptionId;
    }

    public async Task<RefreshTokenLookup?> FindRefreshTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!SecretValues.TrySplit(token, out var familyId, out _))
        {
            return null;
        }

        var row = await Grants(familyId).GetAsync<RefreshTokenEntity>(familyId, RefreshTokenEntity.RowKeyFor(SecretValues.Hash(token)), cancellationToken);
        return new RefreshTokenLookup(familyId, row is null ? null : FromEntity(row));
    }

    /// <summary>
    /// Rotates: marks the presented token rotated (if unchanged since it was read), seals its successor under it, and
    /// writes the successor, in one transaction. False when a concurrent rotation or revocation got there first.
    /// </summary>
    public async Task<bool> RotateAsync(
        RefreshTokenRecord spent, string presentedToken, NewRefreshToken successor, CancellationToken cancellationToken = default)
    {
        var update = new TableEntity(spent.FamilyId, RefreshTokenEntity.RowKeyFor(spent.TokenHash))
        {
            [nameof(RefreshTokenEntity.State)] = RefreshTokenState.Rotated,
            [nameof(RefreshTokenEntity.RotatedAt)] = clock.GetUtcNow(),
            [nameof(RefreshTokenEntity.SuccessorCiphertext)] = SuccessorEnvelope.Seal(presentedToken, successor.Value),
            // A rotated row is kept until the family could no longer be used, to recognise its reuse.
            [nameof(RefreshTokenEntity.ExpiresAt)] = spent.Grant.AbsoluteExpiresAt,
        };
        var successorRow = ToEntity(successor);
        var actions = new[]
        {
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, update, spent.Version.ToETag()),
            new TableTransactionAction(TableTransactionActionType.Add, successorRow),
        };
        if (await Grants(spent.FamilyId).SubmitAsync(actions, cancellationToken))
        {
            return true;
        }

        // The successor's row key is the hash of a value made for this attempt: only this transaction writes it.
        return await Grants(successorRow.PartitionKey).GetStoredAsync<RefreshTokenEntity>(successorRow.PartitionKey, successorRow.RowKey, cancellationToken) is not null;
    }

    /// <summary>
    /// Revokes every refresh token of a family that can still be used. Retries until no active row is left, so a
    /// rotation that commits concurrently is revoked too. Returns how many rows it revoked.
    /// </summary>
    public async Task<int> RevokeFamilyAsync(string familyId, CancellationToken cancellationToken = default)
    {
        var revoked = 0;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var active = new List<RefreshTokenEntity>();
            await foreach (var row in Grants(familyId).QueryLiveAsync<RefreshTokenEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {familyId} and State ne {RefreshTokenState.Revoked}"),
                select: ["PartitionKey", "RowKey", "State"],
                cancellationToken))
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
                    new TableEntity(r.PartitionKey, r.RowKey) { [nameof(RefreshTokenEntity.State)] = RefreshTokenState.Revoked },
                    r.ETag));
                if (await Grants(familyId).SubmitAsync(actions, cancellationToken))
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

    private static AuthorizationCodeEntity ToEntity(GrantSecret code, CodeGrant grant, DateTimeOffset expiresAt) => new()
    {
        PartitionKey = code.FamilyId,
        RowKey = AuthorizationCodeEntity.Row,
        ExpiresAt = expiresAt,
        CodeHash = code.Hash,
        ClientId = grant.ClientId,
        RedirectUri = grant.RedirectUri,
        CodeChallenge = grant.CodeChallenge,
        Scope = grant.Scope,
        Resources = grant.Resources,
        Subject = grant.Subject,
        AuthTime = grant.AuthTime,
        Nonce = grant.Nonce,
        AuthenticationMethods = grant.AuthenticationMethods,
        SessionId = grant.SessionId,
        DpopJkt = grant.DpopJkt,
    };

    private static IssuedCode FromEntity(AuthorizationCodeEntity row) => new(
        row.PartitionKey,
        row.CodeHash,
        new CodeGrant
        {
            ClientId = row.ClientId,
            RedirectUri = row.RedirectUri,
            CodeChallenge = row.CodeChallenge,
            Scope = row.Scope,
            Resources = row.Resources,
            Subject = row.Subject,
            AuthTime = row.AuthTime,
            Nonce = row.Nonce,
            AuthenticationMethods = row.AuthenticationMethods,
            SessionId = row.SessionId,
            DpopJkt = row.DpopJkt,
        },
        RowVersion.Of(row.ETag));

    private static RefreshTokenEntity ToEntity(NewRefreshToken token) => new()
    {
        PartitionKey = token.Secret.FamilyId,
        RowKey = RefreshTokenEntity.RowKeyFor(token.Secret.Hash),
        State = RefreshTokenState.Active,
        ExpiresAt = token.ExpiresAt,
        ClientId = token.Grant.ClientId,
        Subject = token.Grant.Subject,
        Scope = token.Grant.Scope,
        Resources = token.Grant.Resources,
        AuthTime = token.Grant.AuthTime,
        AuthenticationMethods = token.Grant.AuthenticationMethods,
        SessionId = token.Grant.SessionId,
        DpopJkt = token.Grant.DpopJkt,
        AbsoluteExpiresAt = token.Grant.AbsoluteExpiresAt,
    };

    private static RefreshTokenRecord FromEntity(RefreshTokenEntity row) => new(
        row.PartitionKey,
        row.RowKey[RefreshTokenEntity.RowPrefix.Length..],
        new RefreshGrant
        {
            ClientId = row.ClientId,
            Subject = row.Subject,
            Scope = row.Scope,
            Resources = row.Resources,
            AuthTime = row.AuthTime,
            AuthenticationMethods = row.AuthenticationMethods,
            SessionId = row.SessionId,
            DpopJkt = row.DpopJkt,
            AbsoluteExpiresAt = row.AbsoluteExpiresAt,
        },
        row.State,
        row.ExpiresAt,
        row.RotatedAt,
        row.SuccessorCiphertext,
        RowVersion.Of(row.ETag));
}
