using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;

namespace Serverless.OAuth.Grants.Tokens;

/// <summary>
/// Writes a JWS compact serialization (RFC 7515 §7.1) of a JSON payload: header {"alg","typ","kid"}, the signing input
/// built as bytes in a pooled buffer, hashed once, and the digest signed by the key (the one shape local keys and Key
/// Vault's sign operation share). Access tokens and ID tokens differ only in their payload and "typ".
/// </summary>
public static class JwsWriter
{
    // The default encoder escapes '+' (at\u002Bjwt): valid, but longer. Nothing here is embedded in HTML.
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // The encoded header of each key and type, made once: a handful of entries (two types, the few published keys).
    private static readonly ConcurrentDictionary<(string KeyId, string Algorithm, string Type), byte[]> Headers = new();

    /// <summary>Signs <paramref name="payload"/> (UTF-8 JSON); the span is copied before this returns.</summary>
    public static ValueTask<string> SignAsync(ISigningKey key, string type, ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var header = Headers.GetOrAdd((key.KeyId, key.Algorithm, type), static id => EncodeHeader(id.KeyId, id.Algorithm, id.Type));
        var inputLength = header.Length + 1 + System.Buffers.Text.Base64Url.GetEncodedLength(payload.Length);
        var input = ArrayPool<byte>.Shared.Rent(inputLength);
        header.CopyTo(input, 0);
        input[header.Length] = (byte)'.';
        System.Buffers.Text.Base64Url.EncodeToUtf8(payload, input.AsSpan(header.Length + 1), out _, out _);
        return SignInputAsync(key, input, inputLength, cancellationToken);
    }

    private static async ValueTask<string> SignInputAsync(ISigningKey key, byte[] input, int inputLength, CancellationToken cancellationToken)
    {
        try
        {
            var digest = SHA256.HashData(input.AsSpan(0, inputLength));
            var signature = await key.SignDigestAsync(digest, cancellationToken);
            return Compose(input.AsSpan(0, inputLength), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    private static byte[] EncodeHeader(string keyId, string algorithm, string type)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("alg", algorithm);
            json.WriteString("typ", type);
            json.WriteString("kid", keyId);
            json.WriteEndObject();
        }

        return Encoding.ASCII.GetBytes(Base64Url.Encode(buffer.WrittenSpan));
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

    /// <summary>A payload writer kept per thread by each token writer: the payload is written for every token.</summary>
    public sealed class PayloadWriter
    {
        public ArrayBufferWriter<byte> Buffer { get; } = new(512);

        public Utf8JsonWriter Json { get; }

        public PayloadWriter() => Json = new Utf8JsonWriter(Buffer, WriterOptions);

        /// <summary>Starts a new payload object.</summary>
        public Utf8JsonWriter Start()
        {
            Buffer.ResetWrittenCount();
            Json.Reset(Buffer);
            Json.WriteStartObject();
            return Json;
        }

        /// <summary>Ends the object; the span is valid until this writer's next <see cref="Start"/>.</summary>
        public ReadOnlySpan<byte> End()
        {
            Json.WriteEndObject();
            Json.Flush();
            return Buffer.WrittenSpan;
        }
    }
}
