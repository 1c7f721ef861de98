using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Identity.Consents;

/// <summary>A remembered consent: what the user allowed the client, and when.</summary>
public sealed record Consent(string ClientId, ScopeSet Scope, DateTimeOffset GrantedAt);

/// <summary>
/// Remembered consent, one partition per user (their subject): the user's consents and the grant families issued
/// under them. A user's rows are written only by that user's own sign-ins, so no partition is shared by everyone.
/// </summary>
public sealed class ConsentStore(OAuthTables tables, ExpiryIndex expiryIndex, OAuthServerOptions options, TimeProvider clock) : IConsentStore
{
    private readonly ExpiringTable _consents = new(OAuthTables.Consents, tables, expiryIndex, clock, partitionsRecur: true);

    public async Task<Consent?> FindAsync(string subject, string clientId, CancellationToken cancellationToken)
    {
        var row = await _consents.GetAsync<ConsentEntity>(subject, ConsentEntity.RowKeyFor(clientId), cancellationToken);
        return row is null ? null : ToConsent(row);
    }

    /// <summary>Every live consent of the user, for the account page.</summary>
    public async Task<IReadOnlyList<Consent>> ListAsync(string subject, CancellationToken cancellationToken)
    {
        var consents = new List<Consent>();
        await foreach (var row in _consents.QueryLiveAsync<ConsentEntity>(RowsStartingWith(subject, ConsentEntity.RowPrefix), null, cancellationToken))
        {
            consents.Add(ToConsent(row));
        }

        return consents;
    }

    /// <summary>
    /// Records a grant family issued to the client for the user, so withdrawing the consent can revoke it, and, when
    /// the user was just asked, remembers what they allowed (with what they allowed before) for the configured time.
    /// Both rows are in the user's partition: one index entry and one transaction.
    /// </summary>
    public async Task RecordAsync(string subject, string clientId, string familyId, ScopeSet? allowedNow, Consent? previous, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var rows = new List<ExpiringEntity>(2)
        {
            // As long as a refresh token of the family, or an access token from its last refresh, could be used.
            new ConsentFamilyEntity
            {
                PartitionKey = subject,
                RowKey = ConsentFamilyEntity.RowKeyPrefix(clientId) + familyId,
                FamilyId = familyId,
                ExpiresAt = now + options.AuthorizationCodeLifetime + options.RefreshTokenAbsoluteLifetime + options.AccessTokenLifetime,
            },
        };
        if (allowedNow is not null)
        {
            rows.Add(new ConsentEntity
            {
                PartitionKey = subject,
                RowKey = ConsentEntity.RowKeyFor(clientId),
                ClientId = clientId,
                Scope = (previous is null ? allowedNow : ScopeSet.From(previous.Scope.Values.Concat(allowedNow.Values))).ToString(),
                GrantedAt = now,
                ExpiresAt = now + options.ConsentLifetime,
            });
        }

        // Upserts only, so a retry after a lost answer writes the same rows again.
        await _consents.UpsertAllAsync(rows, cancellationToken);
    }

    /// <summary>The families issued to the client for the user that could still be in use.</summary>
    public async Task<IReadOnlyList<ConsentFamilyEntity>> FamiliesAsync(string subject, string clientId, CancellationToken cancellationToken)
    {
        var families = new List<ConsentFamilyEntity>();
        await foreach (var row in _consents.QueryLiveAsync<ConsentFamilyEntity>(
            RowsStartingWith(subject, ConsentFamilyEntity.RowKeyPrefix(clientId)), null, cancellationToken))
        {
            families.Add(row);
        }

        return families;
    }

    /// <summary>Deletes a row; one already gone is as deleted as asked.</summary>
    public Task DeleteAsync(string subject, string rowKey, CancellationToken cancellationToken) =>
        _consents.DeleteAsync(subject, rowKey, ETag.All, cancellationToken);

    private static string RowsStartingWith(string subject, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {subject} and RowKey ge {prefix} and RowKey lt {ConsentKeys.After(prefix)}");

    private static Consent ToConsent(ConsentEntity row) => new(row.ClientId, ScopeSet.Parse(row.Scope) ?? ScopeSet.Empty, row.GrantedAt);
}
