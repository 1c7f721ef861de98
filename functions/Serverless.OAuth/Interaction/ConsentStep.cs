using Microsoft.Extensions.Logging;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Interaction.Pages;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// What the user must still be asked: nothing when <see cref="Needed"/> is false; otherwise the <see cref="Scope"/> to
/// show, which is what is new since the remembered consent (all of it the first time, or with prompt=consent).
/// </summary>
public sealed record ConsentQuestion(bool Needed, ScopeSet Scope, Consent? Previous);

/// <summary>
/// The user's decision on what the client asks for, remembered per user and client (<see cref="ConsentStore"/>, written
/// with the code's family by <see cref="CodeIssuance"/>), so the question comes again only for what is new. The decision on the page is read before the sign-in: a user who
/// denies is sent back at once, and no password is checked for it.
/// </summary>
public sealed class ConsentStep(IConsentStore consents, ILogger<ConsentStep> logger)
{
    /// <summary>The error to send back when the user did not allow the request (RFC 6749 §4.1.2.1), or null to go on.</summary>
    public OAuthError? Refusal(AuthorizationRequest request, string? decision)
    {
        if (decision == FieldNames.Deny)
        {
            AuditEvents.ConsentDenied(logger, request.Client.ClientId);
            return request.Redirected(OAuthError.AccessDenied("The user denied the request."));
        }

        return decision == FieldNames.Allow
            ? null
            : request.Redirected(OAuthError.InvalidRequest("The form's decision is missing."));
    }

    /// <summary>What the user must be asked about this request, against what they allowed this client before.</summary>
    public async Task<ConsentQuestion> QuestionAsync(AuthorizationRequest request, string subject, CancellationToken cancellationToken)
    {
        var previous = await consents.FindAsync(subject, request.Client.ClientId, cancellationToken);
        if (previous is null || request.Prompt.Consent)
        {
            return new ConsentQuestion(true, request.Scope, previous);
        }

        var remembered = previous.Scope.Values.ToHashSet(StringComparer.Ordinal);
        var added = ScopeSet.From(request.Scope.Values.Where(scope => !remembered.Contains(scope)));
        return new ConsentQuestion(!added.IsEmpty, added, previous);
    }

    /// <summary>Records, once the code that carries it exists, that the user allowed what they were asked.</summary>
    public void Granted(AuthorizationRequest request, string subject, ConsentQuestion question)
    {
        if (question.Needed)
        {
            AuditEvents.ConsentGranted(logger, request.Client.ClientId, subject, request.Scope.ToString());
        }
    }
}
