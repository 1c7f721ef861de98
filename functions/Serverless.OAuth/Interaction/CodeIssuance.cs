using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// The end of a completed interaction: the authorization code for what the user allowed, bound to the client, the
/// redirect URI, the PKCE challenge, the resources and the nonce (RFC 6749 §4.1.2, RFC 7636 §4.4, RFC 8707, OpenID
/// Connect Core §3.1.2.1), stored hashed and short-lived, and carrying the session's sign-in (its time, methods and
/// sid) for the ID token. Its grant family is recorded under the user's consent, so that withdrawing the consent
/// revokes what the family issues. A dynamically registered client that a user authorizes is kept at least as long as
/// the grant may live.
/// </summary>
public sealed class CodeIssuance(IGrantStore grants, IConsentStore consents, IClientStore clients, OAuthServerOptions options, TimeProvider clock)
{
    /// <summary>Issues the code; when the user was just asked (<paramref name="consent"/> needed), what they allowed is remembered with it.</summary>
    public async Task<string> IssueAsync(AuthorizationRequest request, SignInSession session, ConsentQuestion consent, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await KeepClientForTheGrantAsync(request.Client, now, cancellationToken);
        // What the user allowed and the family are recorded with the code, at once, before it leaves: a failure of
        // either answers 503, and the code, never sent, is never used.
        var code = await grants.CreateCodeAsync(
            new CodeGrant
            {
                ClientId = request.Client.ClientId,
                RedirectUri = request.RedirectUri,
                CodeChallenge = request.CodeChallenge,
                Scope = request.Scope.ToString(),
                Resources = string.Join(' ', request.Resources),
                Subject = session.Subject,
                AuthTime = session.AuthTime,
                AuthenticationMethods = string.Join(' ', session.Amr),
                SessionId = session.Sid,
                Nonce = request.Nonce,
                DpopJkt = request.DpopJkt,
            },
            now + options.AuthorizationCodeLifetime,
            familyId => consents.RecordAsync(
                session.Subject, request.Client.ClientId, familyId, consent.Needed ? request.Scope : null, consent.Previous, cancellationToken),
            cancellationToken);
        return code;
    }

    /// <summary>
    /// The grant's refresh tokens live at most RefreshTokenAbsoluteLifetime, and need their client. The client is
    /// extended by one unused lifetime more than that, so a client in steady use is written about once per unused
    /// lifetime, not on every authorization.
    /// </summary>
    private Task KeepClientForTheGrantAsync(OAuthClient client, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var grantLivesUntil = now + options.RefreshTokenAbsoluteLifetime;
        return client.ExpiresAt is { } expiresAt && expiresAt < grantLivesUntil
            ? clients.ExtendAsync(client, grantLivesUntil + options.DynamicRegistration.UnusedLifetime, cancellationToken)
            : Task.CompletedTask;
    }
}
