using Microsoft.Extensions.Primitives;

namespace Serverless.OAuth.Protocol;

/// <summary>
/// The Authorization request header carries one set of credentials (RFC 9110 §11.6.2). Sent more than once, the request
/// is malformed: invalid_request (RFC 6749 §5.2, RFC 6750 §3.1), whichever of the values would have passed.
/// </summary>
public static class AuthorizationHeader
{
    /// <summary>The header's one value, or "" when it was not sent.</summary>
    public static OAuthResult<string> Read(StringValues values) => values.Count switch
    {
        0 => "",
        1 => values[0] ?? "",
        _ => OAuthError.InvalidRequest("The Authorization header was sent more than once."),
    };
}
