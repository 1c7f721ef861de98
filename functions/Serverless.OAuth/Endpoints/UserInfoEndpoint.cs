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
public sealed class UserInfoEndpoint(AccessTokenValidator validator, UserStore users, OAuthServerOptions options)
{
    public async Task<EndpointResult> HandleAsync(StringValues authorization, CancellationToken cancellationToken)
    {
        var realm = options.Issuer;
        var presented = BearerToken.Read(authorization);
        if (!presented.Succeeded)
        {
            return new BearerChallengeResult(presented.Error, realm);
        }

        if (presented.Value.Length == 0)
        {
            return new BearerChallengeResult(null, realm);
        }

        var validation = await validator.ValidateAsync(presented.Value, cancellationToken);
        if (!validation.Succeeded)
        {
            return new BearerChallengeResult(validation.Error, realm);
        }

        var scope = ScopeSet.Parse(validation.Value.Scope) ?? ScopeSet.Empty;
        if (!scope.Contains(IdentityScopes.OpenId))
        {
            return new BearerChallengeResult(OAuthError.InsufficientScope("UserInfo needs an access token with the 'openid' scope."), realm);
        }

        // A token of client_credentials has the client as its subject, and no user: it never has "openid".
        var user = await users.FindBySubjectAsync(validation.Value.Subject, cancellationToken);
        return user is null
            ? new BearerChallengeResult(OAuthError.InvalidToken("The user of this access token no longer exists."), realm)
            : new JsonBody(UserInfoClaims.For(user, scope));
    }
}
