using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Identity.Users;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// GET and POST /userinfo (OpenID Connect Core §5.3): the claims about the signed-in user that the access token's
/// scope releases (<see cref="UserInfoClaims"/>). The token is a Bearer token in the Authorization header (RFC 6750
/// §2.1), validated like any access token of this server: its audience may be any registered API, since a token
/// requested with "openid" and an API's scopes is for that API (RFC 8707 allows one audience) and the user allowed the
/// app both; it must carry "openid". Errors are RFC 6750 challenges (§3.1).
/// </summary>
public sealed class UserInfoEndpoint(ProtectedResource resource, IUserStore users, OAuthServerOptions options)
{
    /// <summary>The public URL a DPoP proof for UserInfo names in htu (RFC 9449 §4.3): from the configured issuer.</summary>
    public string Url => options.Issuer.TrimEnd('/') + "/userinfo";

    public Task<EndpointResult> HandleAsync(ResourceRequest request, CancellationToken cancellationToken) =>
        resource.HandleAsync(request, audience: null, Challenge, token => ServeAsync(token, cancellationToken), cancellationToken);

    private async Task<EndpointResult> ServeAsync(ValidatedAccessToken token, CancellationToken cancellationToken)
    {
        var scope = ScopeSet.Parse(token.Scope) ?? ScopeSet.Empty;
        if (!scope.Contains(IdentityScopes.OpenId))
        {
            return Challenge(OAuthError.InsufficientScope("UserInfo needs an access token with the 'openid' scope."), IdentityScopes.OpenId);
        }

        // A token of client_credentials has the client as its subject, and no user: it never has "openid".
        var user = await users.FindBySubjectAsync(token.Subject, cancellationToken);
        return user is null
            ? Challenge(OAuthError.InvalidToken("The user of this access token no longer exists."))
            : new JsonBody(UserInfoClaims.For(user, scope));
    }

    private BearerChallengeResult Challenge(OAuthError? error) => Challenge(error, scope: null);

    private BearerChallengeResult Challenge(OAuthError? error, string? scope) => new(error, options.Issuer, scope);
}
