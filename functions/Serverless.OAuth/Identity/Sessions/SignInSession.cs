using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Identity.Sessions;

/// <summary>
/// A user's sign-in at this server, named by the session cookie. The cookie's value is "{sid}.{secret}": the sid (a
/// random id, not a secret, also the OpenID Connect "sid") is the row's partition, so one point read finds it; only the
/// SHA-256 hash of the whole value is stored, so a table dump signs no one in.
/// </summary>
public sealed class SignInSessionEntity : ExpiringEntity
{
    public const string Row = "session";

    public string SecretHash { get; set; } = "";

    public string Subject { get; set; } = "";

    public string Username { get; set; } = "";

    /// <summary>When the user last typed the password (OpenID Connect Core §2 "auth_time").</summary>
    public DateTimeOffset AuthTime { get; set; }

    /// <summary>The authentication methods, space-separated (RFC 8176 values): "pwd".</summary>
    public string Amr { get; set; } = "";

    /// <summary>The session ends here whatever its use; <see cref="ExpiringEntity.ExpiresAt"/> is the sliding idle end, never later.</summary>
    public DateTimeOffset AbsoluteExpiresAt { get; set; }
}

/// <summary>A live session, as the interaction sees it.</summary>
public sealed record SignInSession(string Sid, string Subject, string Username, DateTimeOffset AuthTime, IReadOnlyList<string> Amr)
{
    internal static SignInSession From(SignInSessionEntity row) =>
        new(row.PartitionKey, row.Subject, row.Username, row.AuthTime, row.Amr.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}

/// <summary>A session just started: the cookie value goes to the browser once, the session to the interaction.</summary>
public sealed record NewSignInSession(string CookieValue, SignInSession Session);
