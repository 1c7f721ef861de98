using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Identity.Upstream;

/// <summary>
/// A sign-in waiting for the provider's answer: which provider was asked (the answer must come back on that provider's
/// callback: the mix-up defence of RFC 9700 §4.4.2.2), the hash of the browser's binding cookie (so an answer carried
/// into another browser is refused: login CSRF), and the pending authorization request. Kept in a table, not in
/// memory, because the answer may reach another instance; short-lived, and taken once: the row is marked taken on the
/// condition that it is unchanged, so of two answers with the same state at most one goes on, and a take whose answer
/// was lost is still its own on the storage client's retry (<see cref="RetrySafeWrite"/>). The purge removes it later.
/// </summary>
public sealed class PendingSignInStore(OAuthTables tables, ExpiryIndex expiryIndex, OAuthServerOptions options, TimeProvider clock)
{
    private readonly ExpiringTable _pending = new(OAuthTables.UpstreamSignIns, tables, expiryIndex, clock);

    /// <summary>
    /// Records a pending sign-in: for an authorization (<paramref name="request"/>, its parameters), or, when
    /// <paramref name="returnTo"/> is given, for a page of this server (a path, e.g. "/account"), where the callback sends
    /// the browser once the session has started.
    /// </summary>
    public async Task AddAsync(
        UpstreamAttempt attempt, string provider, string browserBinding, IEnumerable<(string Name, string Value)> request, CancellationToken cancellationToken, string? returnTo = null)
    {
        await _pending.AddAsync(
            new PendingSignInEntity
            {
                PartitionKey = attempt.Key,
                RowKey = PendingSignInEntity.Row,
                Provider = provider,
                BrowserHash = SecretValues.Hash(browserBinding),
                Request = RedirectQuery.Encode(request.Select(field => (field.Name, (string?)field.Value))),
                ReturnTo = returnTo ?? "",
                ExpiresAt = clock.GetUtcNow() + options.Upstream.SignInLifetime,
            },
            cancellationToken);
    }

    /// <summary>The pending sign-in of <paramref name="state"/>, taken; null when there is none (expired, forged, or already answered).</summary>
    public async Task<PendingSignInEntity?> TakeAsync(string state, CancellationToken cancellationToken)
    {
        var key = new UpstreamAttempt(state).Key;
        var row = await _pending.GetAsync<PendingSignInEntity>(key, PendingSignInEntity.Row, cancellationToken);
        if (row is null || row.Taken)
        {
            return null;
        }

        // Null when another answer with the same state took it first.
        row.Taken = true;
        return await _pending.TryReplaceAsync(row, cancellationToken) ? row : null;
    }
}

public sealed class PendingSignInEntity : ExpiringEntity
{
    public const string Row = "pending";

    public string Provider { get; set; } = "";

    public string BrowserHash { get; set; } = "";

    /// <summary>The authorization request's parameters, as a query string, validated again when the answer comes.</summary>
    public string Request { get; set; } = "";

    /// <summary>Empty for an authorization; otherwise the path of this server the sign-in returns to (set by the server, never by a request).</summary>
    public string ReturnTo { get; set; } = "";

    /// <summary>True once an answer took it: it is kept, unusable, until it expires.</summary>
    public bool Taken { get; set; }
}
