using Azure;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Identity.Users;

namespace Serverless.OAuth.Identity.Sessions;

/// <summary>
/// Sign-in sessions in the sessions table, one partition per session (its sid). Every lookup reads the row: a session
/// ended on one instance is ended on all at the next request, with no cache to wait out. The idle end slides with use,
/// but is written at most once per <see cref="RenewalFraction"/> of the idle lifetime, so a session in use costs one
/// read per authorization and only now and then a write (<see cref="SessionLifetime"/> says when).
/// </summary>
public sealed class SessionStore(OAuthTables tables, ExpiryIndex expiryIndex, OAuthServerOptions options, TimeProvider clock) : ISessionStore
{

    private readonly SessionLifetime _lifetime = new(options);

    private readonly ExpiringTable _sessions = new(OAuthTables.Sessions, tables, expiryIndex, clock);

    /// <summary>Starts a session for a user who has just typed the password. The index entry is written first, so no row escapes the purge.</summary>
    public async Task<NewSignInSession> StartAsync(OAuthUser user, IReadOnlyList<string> amr, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var sid = SecretValues.NewId();
        var value = SecretValues.Compose(sid, SecretValues.NewSecret());
        var (idleEnd, absolute) = _lifetime.Start(now);
        var row = new SignInSessionEntity
        {
            PartitionKey = sid,
            RowKey = SignInSessionEntity.Row,
            SecretHash = SecretValues.Hash(value),
            Subject = user.Subject,
            Username = user.Username,
            AuthTime = now,
            Amr = string.Join(' ', amr),
            AbsoluteExpiresAt = absolute,
            ExpiresAt = idleEnd,
        };

        // Indexed at the first idle end: the purge reads the partition then, and reschedules it while the row still lives.
        // An upsert: the sid is new and random, and an add retried after its answer was lost would fail on itself.
        await _sessions.UpsertAsync(row, cancellationToken);
        return new NewSignInSession(value, SignInSession.From(row));
    }

    /// <summary>
    /// The live session a cookie names, or null: no cookie, a malformed or tampered value, an unknown, ended or expired
    /// session all sign no one in. Renews the idle end when due.
    /// </summary>
    public async Task<SignInSession?> FindAsync(string? cookieValue, CancellationToken cancellationToken)
    {
        if (!SecretValues.TrySplit(cookieValue, out var sid, out _))
        {
            return null;
        }

        var row = await _sessions.GetAsync<SignInSessionEntity>(sid, SignInSessionEntity.Row, cancellationToken);
        if (row is null || !SecretValues.HashEquals(row.SecretHash, cookieValue!))
        {
            return null;
        }

        if (_lifetime.Renewal(clock.GetUtcNow(), row.ExpiresAt, row.AbsoluteExpiresAt) is { } renewed)
        {
            // Conditional on the row as read: a session ended meanwhile (deleted) is not brought back, and of two
            // renewals at once one is enough. The purge's index entry stays at or before the row's expiry, as it only
            // moves later.
            try
            {
                row.ExpiresAt = renewed;
                await _sessions.ReplaceAsync(row, row.ETag, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
            catch (RequestFailedException e) when (e.Status == 412)
            {
                // Renewed (or ended) by a concurrent request; the next lookup reads which.
            }
        }

        return SignInSession.From(row);
    }

    /// <summary>Ends a session: its row is deleted, so every instance refuses the cookie from the next request on.</summary>
    public async Task EndAsync(string sid, CancellationToken cancellationToken)
    {
        // Deleting a row that is not there is no error: the session is as ended as asked.
        await _sessions.DeleteAsync(sid, SignInSessionEntity.Row, ETag.All, cancellationToken);
    }
}
