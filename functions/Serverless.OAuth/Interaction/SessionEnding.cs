using Microsoft.Extensions.Logging;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// The one way a user's sign-in ends (the account page's "sign out", RP-Initiated Logout): the session row is deleted,
/// so every instance refuses its cookie from the next request, the end is audited, and the browser's cookie is cleared
/// by the <see cref="SessionCookie.Cleared"/> the caller's result carries.
/// </summary>
public sealed class SessionEnding(ISessionStore sessions, ILogger<SessionEnding> logger)
{
    public async Task<SessionCookie> EndAsync(SignInSession session, CancellationToken cancellationToken)
    {
        await sessions.EndAsync(session.Sid, cancellationToken);
        AuditEvents.SessionEnded(logger, session.Subject);
        return SessionCookie.Cleared;
    }
}
