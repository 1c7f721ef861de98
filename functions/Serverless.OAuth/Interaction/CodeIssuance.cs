using Serverless.OAuth.Grants;
using Serverless.OAuth.Options;
using Serverless.OAuth.Users;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Interaction;

/// <summary>
/// The end of a completed interaction: the authorization code for what the user allowed, bound to the client, the
/// redirect URI, the PKCE challenge and the resources (RFC 6749 §4.1.2, RFC 7636 §4.4, RFC 8707), stored hashed and
/// short-lived.
/// </summary>
public sealed class CodeIssuance(GrantStore grants, OAuthServerOptions options, TimeProvider clock)
{
    public Task<string> IssueAsync(AuthorizationRequest request, OAuthUser user, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return grants.CreateCodeAsync(
            new CodeGrant
            {
                ClientId = request.Client.ClientId,
                RedirectUri = request.RedirectUri,
                CodeChallenge = request.CodeChallenge,
                Scope = request.Scope.ToString(),
                Resources = string.Join(' ', request.Resources),
                Subject = user.Subject,
                AuthTime = now,
            },
            now + options.AuthorizationCodeLifetime,
            cancellationToken);
    }
}
