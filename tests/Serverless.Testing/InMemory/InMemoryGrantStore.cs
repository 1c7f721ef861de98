using Serverless.OAuth.Grants;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.Testing.InMemory;

/// <summary>
/// <see cref="IGrantStore"/> in memory, with the guarantees the grant state machines rely on and
/// <see cref="GrantStore"/> gets from Table Storage: rows stored by hash only, expired rows read as absent, and every
/// change conditional on the version read, under one lock, so of concurrent changes exactly one wins.
/// </summary>
public sealed class InMemoryGrantStore(TimeProvider clock) : IGrantStore
{
    private const string CodeRow = "code";
    private const string RedeemedRow = "redeemed";
    private const string RefreshPrefix = "rt:";

    private readonly Dictionary<(string Family, string Row), Row> _rows = [];
    private readonly Lock _lock = new();
    private long _versions;

    /// <summary>How many rows a family holds, expired or not (what a table dump would show).</summary>
    public int RowCount(string familyId)
    {
        lock (_lock)
        {
            return _rows.Keys.Count(k => k.Family == familyId);
        }
    }

    public Task<string> CreateCodeAsync(CodeGrant grant, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var code = GrantSecret.MintInNewFamily();
        lock (_lock)
        {
            _rows[(code.FamilyId, CodeRow)] = new Row(code.Hash, expiresAt, NextVersion()) { Code = grant };
        }

        return Task.FromResult(code.Value);
    }

    public Task<CodeLookup?> FindCodeAsync(string code, CancellationToken cancellationToken = default)
    {
        if (!SecretValues.TrySplit(code, out var familyId, out _))
        {
            return Task.FromResult<CodeLookup?>(null);
        }

        lock (_lock)
        {
            if (_rows.TryGetValue((familyId, CodeRow), out var stored) && SecretValues.HashEquals(stored.Hash, code))
            {
                var live = Live(stored) ? new IssuedCode(familyId, stored.Hash, stored.Code!, new RowVersion(stored.Version.ToString())) : null;
                return Task.FromResult<CodeLookup?>(new CodeLookup(familyId, live, Redeemed: false));
            }

            var redeemed = _rows.TryGetValue((familyId, RedeemedRow), out var tombstone) && Live(tombstone) && SecretValues.HashEquals(tombstone.Hash, code);
            return Task.FromResult<CodeLookup?>(new CodeLookup(familyId, null, redeemed));
        }
    }

    public Task<bool> RedeemCodeAsync(IssuedCode code, DateTimeOffset familyExpiresAt, NewRefreshToken? refreshToken, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue((code.FamilyId, CodeRow), out var stored) || stored.Version.ToString() != code.Version.Value)
            {
                return Task.FromResult(false);
            }

            _rows.Remove((code.FamilyId, CodeRow));
            _rows[(code.FamilyId, RedeemedRow)] = new Row(code.CodeHash, familyExpiresAt, NextVersion());
            if (refreshToken is not null)
            {
                Add(refreshToken);
            }

            return Task.FromResult(true);
        }
    }

    public Task<RefreshTokenLookup?> FindRefreshTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        if (!SecretValues.TrySplit(token, out var familyId, out _))
        {
            return Task.FromResult<RefreshTokenLookup?>(null);
        }

        var hash = SecretValues.Hash(token);
        lock (_lock)
        {
            var record = _rows.TryGetValue((familyId, RefreshPrefix + hash), out var row) && Live(row) ? Record(familyId, row) : null;
            return Task.FromResult<RefreshTokenLookup?>(new RefreshTokenLookup(familyId, record));
        }
    }

    public Task<bool> RotateAsync(RefreshTokenRecord spent, string presentedToken, NewRefreshToken successor, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var key = (spent.FamilyId, RefreshPrefix + spent.TokenHash);
            if (!_rows.TryGetValue(key, out var row) || row.Version.ToString() != spent.Version.Value)
            {
                return Task.FromResult(false);
            }

            _rows[key] = row with
            {
                State = RefreshTokenState.Rotated,
                RotatedAt = clock.GetUtcNow(),
                SuccessorCiphertext = SuccessorEnvelope.Seal(presentedToken, successor.Value),
                ExpiresAt = spent.Grant.AbsoluteExpiresAt,
                Version = NextVersion(),
            };
            Add(successor);
            return Task.FromResult(true);
        }
    }

    public Task<int> RevokeFamilyAsync(string familyId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var active = _rows.Where(r => r.Key.Family == familyId && r.Key.Row.StartsWith(RefreshPrefix, StringComparison.Ordinal) && Live(r.Value) && r.Value.State != RefreshTokenState.Revoked).ToList();
            foreach (var (key, row) in active)
            {
                _rows[key] = row with { State = RefreshTokenState.Revoked, Version = NextVersion() };
            }

            return Task.FromResult(active.Count);
        }
    }

    private void Add(NewRefreshToken token) =>
        _rows[(token.Secret.FamilyId, RefreshPrefix + token.Secret.Hash)] = new Row(token.Secret.Hash, token.ExpiresAt, NextVersion())
        {
            Refresh = token.Grant,
            State = RefreshTokenState.Active,
        };

    private static RefreshTokenRecord Record(string familyId, Row row) =>
        new(familyId, row.Hash, row.Refresh!, row.State!, row.ExpiresAt, row.RotatedAt, row.SuccessorCiphertext, new RowVersion(row.Version.ToString()));

    private bool Live(Row row) => clock.GetUtcNow() < row.ExpiresAt;

    private long NextVersion() => ++_versions;

    private sealed record Row(string Hash, DateTimeOffset ExpiresAt, long Version)
    {
        public CodeGrant? Code { get; init; }

        public RefreshGrant? Refresh { get; init; }

        public string? State { get; init; }

        public DateTimeOffset? RotatedAt { get; init; }

        public string? SuccessorCiphertext { get; init; }
    }
}
