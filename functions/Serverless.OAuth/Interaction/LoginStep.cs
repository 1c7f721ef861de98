using Microsoft.Extensions.Logging;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Identity.Users;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// Who the user is: the browser's sign-in session when it may stand in for the password, otherwise a sign-in with the
/// password, under the lockout of the account and of the address it comes from
/// (<see cref="ILockout.AttemptAsync{T}"/>, the same sequence client authentication uses), which starts a
/// new session.
/// </summary>
public sealed class LoginStep(IUserStore users, ILockout lockout, ISessionStore sessions, TimeProvider clock, ILogger<LoginStep> logger)
{
    /// <summary>
    /// The session that signs this request in without the password: live, not overruled by prompt=login, not older
    /// than max_age allows, and of the user an id_token_hint names (OpenID Connect Core §3.1.2.1); null when the
    /// password is needed.
    /// </summary>
    public async Task<SignInSession?> SessionForAsync(AuthorizationRequest request, string? sessionCookie, CancellationToken cancellationToken)
    {
        // A pushed request keeps its prompt=login and max_age on the server (RFC 9126), so the session of the sign-in
        // this authorization asked for must be recognised as that sign-in: it began after the request was pushed.
        var pushedAt = request.Pushed?.Row.PushedAt;
        if ((request.Prompt.Login && pushedAt is null) || sessionCookie is null)
        {
            return null;
        }

        var session = await sessions.FindAsync(sessionCookie, cancellationToken);
        if (session is null || (request.IdTokenHint is { } hint && hint.Subject != session.Subject))
        {
            return null;
        }

        if (pushedAt is { } pushed && session.AuthTime >= pushed)
        {
            return session;
        }

        if (request.Prompt.Login)
        {
            return null;
        }

        if (request.MaxAge is not { } maxAge)
        {
            return session;
        }

        // max_age=0 asks for a sign-in now, whatever the session's age.
        return maxAge > TimeSpan.Zero && clock.GetUtcNow() - session.AuthTime <= maxAge ? session : null;
    }

    /// <summary>
    /// Why the user who just signed in may not answer this request: an id_token_hint names another user (OpenID Connect
    /// Core §3.1.2.1), and a hint for one user never yields a code for another. Null when they may.
    /// </summary>
    public static string? NotTheHintedUser(AuthorizationRequest request, OAuthUser user) =>
        request.IdTokenHint is { } hint && hint.Subject != user.Subject
            ? "The application asked for another account. Sign in with the account you use with it."
            : null;

    /// <summary>Starts the session of a user who has just typed the password (see the overload).</summary>
    public Task<NewSignInSession> StartSessionAsync(OAuthUser user, string? previousSessionCookie, CancellationToken cancellationToken) =>
        StartSessionAsync(user, [Authentication.Password], previousSessionCookie, cancellationToken);

    /// <summary>
    /// Starts the session of a user who has just signed in, by the methods <paramref name="amr"/> (the password, or what
    /// an upstream provider said). The session the browser held before (if any, and really its) ends, so a sign-in
    /// never keeps a session id that existed before it.
    /// </summary>
    public async Task<NewSignInSession> StartSessionAsync(OAuthUser user, IReadOnlyList<string> amr, string? previousSessionCookie, CancellationToken cancellationToken)
    {
        // At once: the old session's end and the new one's start touch different rows.
        var starting = sessions.StartAsync(user, amr, cancellationToken);
        if (await sessions.FindAsync(previousSessionCookie, cancellationToken) is { } previous)
        {
            await sessions.EndAsync(previous.Sid, cancellationToken);
        }

        return await starting;
    }

    public async Task<SignIn> SignInAsync(string clientId, string? username, string? password, string? clientAddress, CancellationToken cancellationToken)
    {
        var keys = new List<LockoutKey>(2);
        if (OAuthUser.Normalize(username) is { } normalized)
        {
            keys.Add(LockoutKey.ForUser(normalized));
        }

        if (clientAddress is not null)
        {
            keys.Add(LockoutKey.ForAddress(clientAddress));
        }

        // The user's row is read alongside the lockout's reservations: reading it is no guess, only the password check is.
        var lookup = username is null || password is null ? Task.FromResult<OAuthUser?>(null) : users.FindAsync(username, cancellationToken);
        LockoutAttempt<OAuthUser> attempt;
        try
        {
            attempt = await lockout.AttemptAsync(
                keys,
                async _ => username is null || password is null ? null : users.VerifyPassword(await lookup, password),
                cancellationToken);
        }
        finally
        {
            // A refused attempt never ran the check: the lookup's failure, if any, is observed here and not reported.
            _ = lookup.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }

        if (attempt.Value is { } user)
        {
            AuditEvents.SignInSucceeded(logger, clientId, user.Subject);
            return new SignIn(user, null);
        }

        if (attempt.Checked)
        {
            AuditEvents.SignInFailed(logger, clientId);
        }
        else if (!attempt.Busy)
        {
            AuditEvents.SignInLockedOut(logger, clientId);
        }

        return new SignIn(null, Problem(attempt));
    }

    /// <summary>What the page tells the user: the same words for an unknown user and a wrong password.</summary>
    private static string Problem(LockoutAttempt<OAuthUser> attempt) => attempt switch
    {
        { Busy: true } => "Too many sign-ins are being checked at once. Please try again.",
        { LockedFor: not { } } => "The username or password is incorrect.",
        { LockedKey.Kind: LockoutKey.Address, LockedFor: { } wait } => $"Too many failed sign-ins from your network. Try again in {Minutes(wait)} minute(s).",
        { LockedFor: { } wait } => $"Too many failed sign-ins. Try again in {Minutes(wait)} minute(s).",
    };

    private static int Minutes(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
}

/// <summary>A sign-in: the <see cref="User"/>, or the <see cref="Problem"/> to show on the page.</summary>
public sealed record SignIn(OAuthUser? User, string? Problem);
