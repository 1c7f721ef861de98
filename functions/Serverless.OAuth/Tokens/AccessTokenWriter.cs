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
/// The signing input is built as bytes in a pooled buffer and the token string is made once, because this runs for
/// every token: the encoded header of the current key is reused, and the payload writer is kept per thread.
/// </summary>
public static class AccessTokenWriter
{
    public const string TokenType = "at+jwt";

    // The default encoder escapes '+' (at\u002Bjwt): valid, but longer. Nothing here is embedded in HTML.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static EncodedHeader? _lastHeader;

    [ThreadStatic]
    private static PayloadWriter? _payloadWriter;

    public static async ValueTask<string> WriteAsync(
        ISigningKey key, string issuer, string audience, AccessTokenClaims claims, CancellationToken cancellationToken)
    {
        var header = HeaderFor(key);
        var payload = WritePayload(issuer, audience, claims);
        var inputLength = header.Length + 1 + System.Buffers.Text.Base64Url.GetEncodedLength(payload.Length);
        var input = ArrayPool<byte>.Shared.Rent(inputLength);
        try
        {
            header.CopyTo(input);
            input[header.Length] = (byte)'.';
            System.Buffers.Text.Base64Url.EncodeToUtf8(payload, input.AsSpan(header.Length + 1), out _, out _);
            var digest = SHA256.HashData(input.AsSpan(0, inputLength));
            var signature = await key.SignDigestAsync(digest, cancellationToken);
            return Compose(input.AsSpan(0, inputLength), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    /// <summary>The base64url header of a key: computed once per key, not per token.</summary>
    private static byte[] HeaderFor(ISigningKey key)
    {
        if (_lastHeader is { } last && last.KeyId == key.KeyId && last.Algorithm == key.Algorithm)
        {
            return last.Encoded;
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("alg", key.Algorithm);
            json.WriteString("typ", TokenType);
            json.WriteString("kid", key.KeyId);
            json.WriteEndObject();
        }

        var encoded = Encoding.ASCII.GetBytes(Base64Url.Encode(buffer.WrittenSpan));
        _lastHeader = new EncodedHeader(key.KeyId, key.Algorithm, encoded);
        return encoded;
    }

    /// <summary>Writes the claims with this thread's writer; the span is valid until the thread's next call.</summary>
    private static ReadOnlySpan<byte> WritePayload(string issuer, string audience, AccessTokenClaims claims)
    {
        var writer = _payloadWriter ??= new PayloadWriter();
        writer.Buffer.ResetWrittenCount();
        var json = writer.Json;
        json.Reset(writer.Buffer);
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
        json.Flush();
        return writer.Buffer.WrittenSpan;
    }

    /// <summary>"{signing input}.{base64url signature}" as one string, written in place.</summary>
    private static string Compose(ReadOnlySpan<byte> signingInput, byte[] signature)
    {
        var length = signingInput.Length + 1 + System.Buffers.Text.Base64Url.GetEncodedLength(signature.Length);
        var chars = length <= 2048 ? stackalloc char[length] : new char[length];
        Encoding.ASCII.GetChars(signingInput, chars);
        chars[signingInput.Length] = '.';
        System.Buffers.Text.Base64Url.EncodeToChars(signature, chars[(signingInput.Length + 1)..]);
        return new string(chars);
    }

    private sealed record EncodedHeader(string KeyId, string Algorithm, byte[] Encoded);

    private sealed class PayloadWriter
    {
        public ArrayBufferWriter<byte> Buffer { get; } = new(512);

        public Utf8JsonWriter Json { get; }

        public PayloadWriter() => Json = new Utf8JsonWriter(Buffer, WriterOptions);
    }
}
