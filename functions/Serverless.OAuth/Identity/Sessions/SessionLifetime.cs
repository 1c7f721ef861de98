using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Identity.Sessions;

/// <summary>
/// When a sign-in session ends: <see cref="OAuthServerOptions.SessionIdleLifetime"/> after its last use (sliding), and
/// never later than <see cref="OAuthServerOptions.SessionAbsoluteLifetime"/> after the password, however used. The idle
/// end is moved at most once per <see cref="RenewalFraction"/> of the idle lifetime, so a session in use costs only now
/// and then a write; the idle lifetime in force is thus between (1 - <see cref="RenewalFraction"/>) and 1 times the
/// configured one. Every store of sessions follows these rules; reads treat a session past its idle end as ended.
/// </summary>
public sealed class SessionLifetime(OAuthServerOptions options)
{
    public const double RenewalFraction = 0.1;

    /// <summary>The ends of a session started at <paramref name="now"/>: its first idle end and its absolute end.</summary>
    public (DateTimeOffset IdleEnd, DateTimeOffset AbsoluteEnd) Start(DateTimeOffset now)
    {
        var absolute = now + options.SessionAbsoluteLifetime;
        return (Min(now + options.SessionIdleLifetime, absolute), absolute);
    }

    /// <summary>The new idle end of a session used at <paramref name="now"/>, or null when moving it is not yet due.</summary>
    public DateTimeOffset? Renewal(DateTimeOffset now, DateTimeOffset idleEnd, DateTimeOffset absoluteEnd)
    {
        var renewed = Min(now + options.SessionIdleLifetime, absoluteEnd);
        return renewed - idleEnd >= options.SessionIdleLifetime * RenewalFraction ? renewed : null;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
