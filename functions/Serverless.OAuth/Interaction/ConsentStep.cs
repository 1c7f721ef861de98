using Microsoft.Extensions.Logging;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Users;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// The user's decision on what the client asks for. Read before the sign-in: a user who denies is sent back at once,
/// and no password is checked for it. Remembered consent will plug in here.
/// </summary>
public sealed class ConsentStep(ILogger<ConsentStep> logger)
{
    public const string Allow = "allow";
    public const string Deny = "deny";

    /// <summary>The error to send back when the user did not allow the request (RFC 6749 §4.1.2.1), or null to go on.</summary>
    public OAuthError? Refusal(AuthorizationRequest request, string? decision)
    {
        if (decision == Deny)
        {
            AuditEvents.ConsentDenied(logger, request.Client.ClientId);
            return request.Redirected(OAuthError.AccessDenied("The user denied the request."));
        }

        return decision == Allow
            ? null
            : request.Redirected(OAuthError.InvalidRequest("The form's decision is missing."));
    }

    /// <summary>Records the grant, once the code that carries it exists.</summary>
    public void Granted(AuthorizationRequest request, OAuthUser user) =>
        AuditEvents.ConsentGranted(logger, request.Client.ClientId, user.Subject, request.Scope.ToString());
}
