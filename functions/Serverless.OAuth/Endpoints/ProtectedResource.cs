using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Tokens;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// The front of a resource that takes this server's access tokens (UserInfo, the demo resource): the Bearer token of
/// the Authorization header (RFC 6750 §2.1), validated, or the challenge (§3.1): bare when no token was sent,
/// invalid_request or invalid_token otherwise. The resource's own rules (its scope) follow in <c>serve</c>.
/// </summary>
public sealed class ProtectedResource(AccessTokenValidator validator)
{
    public async Task<EndpointResult> HandleAsync(
        StringValues authorization, string realm, Func<ValidatedAccessToken, Task<EndpointResult>> serve, CancellationToken cancellationToken)
    {
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
        return validation.Succeeded ? await serve(validation.Value) : new BearerChallengeResult(validation.Error, realm);
    }
}
