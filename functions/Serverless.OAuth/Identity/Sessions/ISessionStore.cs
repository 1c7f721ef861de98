namespace Serverless.OAuth.Identity.Sessions;

/// <summary>Sign-in sessions named by the session cookie; their lifetimes follow <see cref="SessionLifetime"/>. See <see cref="SessionStore"/>.</summary>
public interface ISessionStore
{
    /// <summary>Starts a session for a user who has just typed the password.</summary>
    Task<NewSignInSession> StartAsync(Users.OAuthUser user, IReadOnlyList<string> amr, CancellationToken cancellationToken);

    /// <summary>The live session a cookie names, or null; renews its idle end when due.</summary>
    Task<SignInSession?> FindAsync(string? cookieValue, CancellationToken cancellationToken);

    /// <summary>Ends a session, on every instance from the next request on.</summary>
    Task EndAsync(string sid, CancellationToken cancellationToken);
}
