using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Tokens;
using Serverless.OAuth.Users;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// GET and POST /userinfo (OpenID Connect Core §5.3): the claims about the signed-in user that the access token's
/// scope releases (<see cref="UserInfoClaims"/>). The token is a Bearer token in the Authorization header (RFC 6750
/// §2.1), validated like any access token of this server (so its audience is the server's own, OAuth:Audience), and
/// must carry "openid": errors are RFC 6750 challenges (§3.1).
/// </summary>
public sealed class UserInfoEndpoint(ProtectedResource resource, IUserStore users, OAuthServerOptions options)
{
    public Task<EndpointResult> HandleAsync(StringValues authorization, CancellationToken cancellationToken) =>
        resource.HandleAsync(authorization, options.Issuer, token => ServeAsync(token, cancellationToken), cancellationToken);

    private async Task<EndpointResult> ServeAsync(ValidatedAccessToken token, CancellationToken cancellationToken)
    {
        var scope = ScopeSet.Parse(token.Scope) ?? ScopeSet.Empty;
        if (!scope.Contains(IdentityScopes.OpenId))
        {
            return new BearerChallengeResult(OAuthError.InsufficientScope("UserInfo needs an access token with the 'openid' scope."), options.Issuer);
        }

        // A token of client_credentials has the client as its subject, and no user: it never has "openid".
        var user = await users.FindBySubjectAsync(token.Subject, cancellationToken);
        return user is null
            ? new BearerChallengeResult(OAuthError.InvalidToken("The user of this access token no longer exists."), options.Issuer)
            : new JsonBody(UserInfoClaims.For(user, scope));
    }
}
