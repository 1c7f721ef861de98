using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Identity.Users;

namespace Serverless.Testing.InMemory;

/// <summary>
/// <see cref="ISessionStore"/> in memory, by the same rules as <see cref="SessionStore"/>: the cookie's value stored only
/// as its hash, the idle and absolute ends of <see cref="SessionLifetime"/>, a session past its idle end read as ended.
/// </summary>
public sealed class InMemorySessionStore(OAuthServerOptions options, TimeProvider clock) : ISessionStore
{
    private readonly SessionLifetime _lifetime = new(options);
    private readonly Dictionary<string, Row> _rows = [];
    private readonly Lock _lock = new();

    /// <summary>How often a lookup moved a session's idle end (a write, in Table Storage).</summary>
    public int Renewals { get; private set; }

    public Task<NewSignInSession> StartAsync(OAuthUser user, IReadOnlyList<string> amr, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var sid = SecretValues.NewId();
        var value = SecretValues.Compose(sid, SecretValues.NewSecret());
        var (idleEnd, absoluteEnd) = _lifetime.Start(now);
        var session = new SignInSession(sid, user.Subject, user.Username, now, amr);
        lock (_lock)
        {
            _rows[sid] = new Row(SecretValues.Hash(value), session, idleEnd, absoluteEnd);
        }

        return Task.FromResult(new NewSignInSession(value, session));
    }

    public Task<SignInSession?> FindAsync(string? cookieValue, CancellationToken cancellationToken)
    {
        if (!SecretValues.TrySplit(cookieValue, out var sid, out _))
        {
            return Task.FromResult<SignInSession?>(null);
        }

        var now = clock.GetUtcNow();
        lock (_lock)
        {
            if (!_rows.TryGetValue(sid, out var row) || now >= row.IdleEnd || !SecretValues.HashEquals(row.Hash, cookieValue!))
            {
                return Task.FromResult<SignInSession?>(null);
            }

            if (_lifetime.Renewal(now, row.IdleEnd, row.AbsoluteEnd) is { } renewed)
            {
                _rows[sid] = row with { IdleEnd = renewed };
                Renewals++;
            }

            return Task.FromResult<SignInSession?>(row.Session);
        }
    }

    public Task EndAsync(string sid, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _rows.Remove(sid);
        }

        return Task.CompletedTask;
    }

    private sealed record Row(string Hash, SignInSession Session, DateTimeOffset IdleEnd, DateTimeOffset AbsoluteEnd);
}
