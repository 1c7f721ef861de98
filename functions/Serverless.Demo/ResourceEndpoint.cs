using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Tokens;

namespace Serverless.Demo;

/// <summary>
/// GET /resource: the demo protected resource (RFC 6750). No token: 401 with a bare Bearer challenge; an invalid,
/// expired or revoked token, or one for another API: 401 invalid_token; a token without the resource's scope: 403
/// insufficient_scope. It checks tokens with the core's validator, as a resource server beside the authorization
/// server would, for its own audience (<see cref="DemoApi"/>).
/// </summary>
public sealed class ResourceEndpoint(AccessTokenValidator validator, OAuthServerOptions options)
{
    public async Task<EndpointResult> HandleAsync(StringValues authorization, CancellationToken cancellationToken)
    {
        var realm = options.EffectiveAudience;
        var header = AuthorizationHeader.Read(authorization);
        if (!header.Succeeded)
        {
            return new BearerChallengeResult(header.Error, realm);
        }

        var authorizationHeader = header.Value;
        if (authorizationHeader.Length == 0)
        {
            return new BearerChallengeResult(null, realm);
        }

        if (!authorizationHeader.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return new BearerChallengeResult(OAuthError.InvalidRequest("Send the access token as 'Authorization: Bearer <token>'."), realm);
        }

        var validation = await validator.ValidateAsync(authorizationHeader["Bearer ".Length..].Trim(), realm, cancellationToken);
        if (!validation.Succeeded)
        {
            return new BearerChallengeResult(validation.Error, realm);
        }

        var token = validation.Value;

        if (ScopeSet.Parse(token.Scope)?.Contains(DemoApi.RequiredScope) != true)
        {
            return new BearerChallengeResult(OAuthError.InsufficientScope($"This resource needs the '{DemoApi.RequiredScope}' scope."), realm);
        }

        return new JsonBody(new ResourceResponse(
            $"Hello, {token.Subject}. Your access token is valid.", token.Subject, token.ClientId, token.Scope, token.ExpiresAt.ToUnixTimeSeconds()));
    }
}
