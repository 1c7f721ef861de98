using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.Testing.InMemory;

/// <summary><see cref="IConsentStore"/> in memory, with <see cref="ConsentStore"/>'s rows, keys and lifetimes; expired rows read as absent.</summary>
public sealed class InMemoryConsentStore(OAuthServerOptions options, TimeProvider clock) : IConsentStore
{
    private readonly Dictionary<(string Subject, string Row), object> _rows = [];
    private readonly Lock _lock = new();

    public Task<Consent?> FindAsync(string subject, string clientId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(Live(subject).OfType<ConsentEntity>().Where(c => c.RowKey == ConsentEntity.RowKeyFor(clientId)).Select(ToConsent).FirstOrDefault());
        }
    }

    public Task<IReadOnlyList<Consent>> ListAsync(string subject, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Consent>>([.. Live(subject).OfType<ConsentEntity>().Select(ToConsent)]);
        }
    }

    public Task RecordAsync(string subject, string clientId, string familyId, ScopeSet? allowedNow, Consent? previous, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            var family = new ConsentFamilyEntity
            {
                PartitionKey = subject,
                RowKey = ConsentFamilyEntity.RowKeyPrefix(clientId) + familyId,
                FamilyId = familyId,
                ExpiresAt = now + options.AuthorizationCodeLifetime + options.RefreshTokenAbsoluteLifetime + options.AccessTokenLifetime,
            };
            _rows[(subject, family.RowKey)] = family;
            if (allowedNow is not null)
            {
                var consent = new ConsentEntity
                {
                    PartitionKey = subject,
                    RowKey = ConsentEntity.RowKeyFor(clientId),
                    ClientId = clientId,
                    Scope = (previous is null ? allowedNow : ScopeSet.From(previous.Scope.Values.Concat(allowedNow.Values))).ToString(),
                    GrantedAt = now,
                    ExpiresAt = now + options.ConsentLifetime,
                };
                _rows[(subject, consent.RowKey)] = consent;
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ConsentFamilyEntity>> FamiliesAsync(string subject, string clientId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var prefix = ConsentFamilyEntity.RowKeyPrefix(clientId);
            return Task.FromResult<IReadOnlyList<ConsentFamilyEntity>>([.. Live(subject).OfType<ConsentFamilyEntity>().Where(f => f.RowKey.StartsWith(prefix, StringComparison.Ordinal))]);
        }
    }

    public Task DeleteAsync(string subject, string rowKey, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _rows.Remove((subject, rowKey));
        }

        return Task.CompletedTask;
    }

    private IEnumerable<OAuth.Infrastructure.Storage.ExpiringEntity> Live(string subject)
    {
        var now = clock.GetUtcNow();
        return _rows.Where(r => r.Key.Subject == subject).Select(r => (OAuth.Infrastructure.Storage.ExpiringEntity)r.Value).Where(r => now < r.ExpiresAt).OrderBy(r => r.RowKey, StringComparer.Ordinal);
    }

    private static Consent ToConsent(ConsentEntity row) => new(row.ClientId, ScopeSet.Parse(row.Scope) ?? ScopeSet.Empty, row.GrantedAt);
}
