using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Tokens;

namespace Serverless.Demo;

/// <summary>
/// GET /resource: the demo protected resource (RFC 6750). No token: 401 with a bare Bearer challenge; an invalid,
/// expired or revoked token: 401 invalid_token; a token without the resource's scope: 403 insufficient_scope. It checks
/// tokens with the core's validator, as a resource server beside the authorization server would.
/// </summary>
public sealed class ResourceEndpoint(AccessTokenValidator validator, OAuthServerOptions options)
{
    public async Task<EndpointResult> HandleAsync(StringValues authorization, CancellationToken cancellationToken)
    {
        var realm = options.EffectiveAudience;
        if (authorization.Count > 1)
        {
            // RFC 6750 §2: one method, one token; a second Authorization header is not a guess to make.
            return new BearerChallengeResult(OAuthError.InvalidRequest("Send one Authorization header."), realm);
        }

        if (authorization.ToString() is not { Length: > 0 } authorizationHeader)
        {
            return new BearerChallengeResult(null, realm);
        }

        if (!authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return new BearerChallengeResult(OAuthError.InvalidRequest("Send the access token as 'Authorization: Bearer <token>'."), realm);
        }

        var validation = await validator.ValidateAsync(authorizationHeader["Bearer ".Length..].Trim(), cancellationToken);
        if (validation.Token is not { } token)
        {
            return new BearerChallengeResult(OAuthError.InvalidToken(validation.Problem!), realm);
        }

        if (ScopeSet.Parse(token.Scope)?.Contains(options.ResourceScope) != true)
        {
            return new BearerChallengeResult(OAuthError.InsufficientScope($"This resource needs the '{options.ResourceScope}' scope."), realm);
        }

        return new JsonBody(new ResourceResponse(
            $"Hello, {token.Subject}. Your access token is valid.", token.Subject, token.ClientId, token.Scope, token.ExpiresAt.ToUnixTimeSeconds()));
    }
}
