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
public sealed class ResourceEndpoint(ProtectedResource resource, OAuthServerOptions options)
{
    public Task<EndpointResult> HandleAsync(StringValues authorization, CancellationToken cancellationToken) =>
        resource.HandleAsync(authorization, options.EffectiveAudience, token => Task.FromResult(Serve(token)), cancellationToken);

    private EndpointResult Serve(ValidatedAccessToken token)
    {
        if (ScopeSet.Parse(token.Scope)?.Contains(options.ResourceScope) != true)
        {
            return new BearerChallengeResult(OAuthError.InsufficientScope($"This resource needs the '{options.ResourceScope}' scope."), options.EffectiveAudience);
        }

        return new JsonBody(new ResourceResponse(
            $"Hello, {token.Subject}. Your access token is valid.", token.Subject, token.ClientId, token.Scope, token.ExpiresAt.ToUnixTimeSeconds()));
    }
}
