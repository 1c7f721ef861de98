using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Signing;

namespace Serverless.OAuth.Tokens;

/// <summary>The claims of one access token (RFC 9068 §2.2).</summary>
public sealed record AccessTokenClaims(
    string Subject,
    string ClientId,
    string Scope,
    string JwtId,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? AuthTime);

/// <summary>
/// Writes a JWS compact serialization directly with Utf8JsonWriter (header {"alg","typ":"at+jwt","kid"}), hashes the
/// signing input once, and asks the key to sign the digest: the one shape local keys and Key Vault's sign operation share.
/// </summary>
public static class AccessTokenWriter
{
    public const string TokenType = "at+jwt";

    // The default encoder escapes '+' (at\u002Bjwt): valid, but longer. Nothing here is embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async ValueTask<string> WriteAsync(
        ISigningKey key, string issuer, string audience, AccessTokenClaims claims, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("alg", key.Algorithm);
            json.WriteString("typ", TokenType);
            json.WriteString("kid", key.KeyId);
            json.WriteEndObject();
        }

        var header = buffer.WrittenSpan.ToArray();
        buffer.ResetWrittenCount();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("iss", issuer);
            json.WriteString("sub", claims.Subject);
            json.WriteString("aud", audience);
            json.WriteString("client_id", claims.ClientId);
            if (claims.Scope.Length > 0)
            {
                json.WriteString("scope", claims.Scope);
            }

            json.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
            json.WriteNumber("exp", claims.ExpiresAt.ToUnixTimeSeconds());
            if (claims.AuthTime is { } authTime)
            {
                json.WriteNumber("auth_time", authTime.ToUnixTimeSeconds());
            }

            json.WriteString("jti", claims.JwtId);
            json.WriteEndObject();
        }

        var signingInput = Base64Url.Encode(header) + "." + Base64Url.Encode(buffer.WrittenSpan);
        var digest = SHA256.HashData(Encoding.ASCII.GetBytes(signingInput));
        var signature = await key.SignDigestAsync(digest, cancellationToken);
        return signingInput + "." + Base64Url.Encode(signature);
    }
}
