using Microsoft.Extensions.Primitives;

namespace Serverless.OAuth.Protocol;

/// <summary>The access token of an "Authorization: Bearer" header (RFC 6750 §2.1), for the resources of this server.</summary>
public static class BearerToken
{
    /// <summary>The token; "" when no Authorization header was sent (answered with a bare challenge, RFC 6750 §3.1).</summary>
    public static OAuthResult<string> Read(StringValues authorization)
    {
        var header = AuthorizationHeader.Read(authorization);
        if (!header.Succeeded || header.Value.Length == 0)
        {
            return header;
        }

        return header.Value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header.Value["Bearer ".Length..].Trim()
            : OAuthError.InvalidRequest("Send the access token as 'Authorization: Bearer <token>'.");
    }
}
