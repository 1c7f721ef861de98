using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// The front of a resource that takes this server's access tokens (UserInfo, the demo resource): the Bearer token of
/// the Authorization header (RFC 6750 §2.1), validated for the resource's audience, or the resource's challenge (§3.1):
/// bare when no token was sent, invalid_request or invalid_token otherwise. The resource's own rules (its scope)
/// follow in <c>serve</c>.
/// </summary>
public sealed class ProtectedResource(AccessTokenValidator validator)
{
    /// <param name="audience">The API the token must be for; null: any API of this server (its own endpoints).</param>
    /// <param name="challenge">The resource's challenge for an error; a null error means no token was sent.</param>
    public async Task<EndpointResult> HandleAsync(
        StringValues authorization,
        string? audience,
        Func<OAuthError?, EndpointResult> challenge,
        Func<ValidatedAccessToken, Task<EndpointResult>> serve,
        CancellationToken cancellationToken)
    {
        var presented = BearerToken.Read(authorization);
        if (!presented.Succeeded)
        {
            return challenge(presented.Error);
        }

        if (presented.Value.Length == 0)
        {
            return challenge(null);
        }

        var validation = await validator.ValidateAsync(presented.Value, audience, cancellationToken);
        return validation.Succeeded ? await serve(validation.Value) : challenge(validation.Error);
    }
}
