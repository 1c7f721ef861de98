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

        var token = validation.Value;

        if (ScopeSet.Parse(token.Scope)?.Contains(options.ResourceScope) != true)
        {
            return new BearerChallengeResult(OAuthError.InsufficientScope($"This resource needs the '{options.ResourceScope}' scope."), realm);
        }

        return new JsonBody(new ResourceResponse(
            $"Hello, {token.Subject}. Your access token is valid.", token.Subject, token.ClientId, token.Scope, token.ExpiresAt.ToUnixTimeSeconds()));
    }
}
