using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;

namespace Serverless.OAuth.Protocol;

/// <summary>
/// The Authorization request header carries one set of credentials (RFC 9110 §11.6.2). Sent more than once, the request
/// is malformed: invalid_request (RFC 6749 §5.2, RFC 6750 §3.1), whichever of the values would have passed. A proxy
/// may join the repeats into one line, comma-separated (RFC 9110 §5.3), as the Functions host's forwarder does: a
/// value with a second scheme and its credentials after a comma is the header sent more than once too.
/// </summary>
public static partial class AuthorizationHeader
{
    private const string SentMoreThanOnce = "The Authorization header was sent more than once.";

    /// <summary>The header's one value, or "" when it was not sent.</summary>
    public static OAuthResult<string> Read(StringValues values) => values.Count switch
    {
        0 => "",
        1 when JoinedCredentials().IsMatch(values[0] ?? "") => OAuthError.InvalidRequest(SentMoreThanOnce),
        1 => values[0] ?? "",
        _ => OAuthError.InvalidRequest(SentMoreThanOnce),
    };

    /// <summary>
    /// ", scheme credentials": a comma, then an auth-scheme (an RFC 9110 token) and a space. No token68 (Bearer, DPoP,
    /// Basic) holds a comma, and the auth-params after a comma are "name=value", with no space after the name.
    /// </summary>
    [GeneratedRegex(@",[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]+[^ \t]")]
    private static partial Regex JoinedCredentials();
}
