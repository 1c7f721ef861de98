using System.Security.Cryptography;
using System.Text;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;

namespace Serverless.OAuth.Grants.Tokens;

/// <summary>
/// The claims of one ID token (OpenID Connect Core §2). The audience is the client alone, so no "azp" is needed (§2:
/// it is for an ID token with several audiences). <see cref="SessionId"/> is the sign-in session's "sid" (Front- and
/// Back-Channel Logout), when there is one.
/// </summary>
public sealed record IdTokenClaims(
    string Subject,
    string ClientId,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset AuthTime,
    IReadOnlyList<string> AuthenticationMethods,
    string? Nonce,
    string? AccessTokenHash,
    string? SessionId);

/// <summary>Writes an ID token: a JWT with "typ": "JWT" (OpenID Connect Core §2 leaves typ open; "JWT" is what relying parties expect).</summary>
public static class IdTokenWriter
{
    public const string TokenType = "JWT";

    [ThreadStatic]
    private static JwsWriter.PayloadWriter? _payloadWriter;

    public static ValueTask<string> WriteAsync(ISigningKey key, string issuer, IdTokenClaims claims, CancellationToken cancellationToken) =>
        JwsWriter.SignAsync(key, TokenType, WritePayload(issuer, claims), cancellationToken);

    /// <summary>
    /// at_hash (OpenID Connect Core §3.1.3.6): the base64url of the left half of the hash of the access token's ASCII
    /// octets, with the hash of the ID token's "alg" (SHA-256 for both RS256 and ES256).
    /// </summary>
    public static string AccessTokenHash(string accessToken)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.ASCII.GetBytes(accessToken), hash);
        return Base64Url.Encode(hash[..(SHA256.HashSizeInBytes / 2)]);
    }

    private static ReadOnlySpan<byte> WritePayload(string issuer, IdTokenClaims claims)
    {
        var writer = _payloadWriter ??= new JwsWriter.PayloadWriter();
        var json = writer.Start();
        json.WriteString("iss", issuer);
        json.WriteString("sub", claims.Subject);
        json.WriteString("aud", claims.ClientId);
        json.WriteNumber("exp", claims.ExpiresAt.ToUnixTimeSeconds());
        json.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
        json.WriteNumber("auth_time", claims.AuthTime.ToUnixTimeSeconds());
        if (claims.Nonce is not null)
        {
            json.WriteString("nonce", claims.Nonce);
        }

        if (claims.AccessTokenHash is not null)
        {
            json.WriteString("at_hash", claims.AccessTokenHash);
        }

        if (claims.AuthenticationMethods.Count > 0)
        {
            json.WriteStartArray("amr");
            foreach (var method in claims.AuthenticationMethods)
            {
                json.WriteStringValue(method);
            }

            json.WriteEndArray();
        }

        if (claims.SessionId is not null)
        {
            json.WriteString("sid", claims.SessionId);
        }

        return writer.End();
    }
}
