using System.Buffers;

namespace Serverless.OAuth.Protocol;

/// <summary>Base64url without padding (RFC 4648 §5), as JWTs, PKCE and our token values use it.</summary>
public static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> data) => System.Buffers.Text.Base64Url.EncodeToString(data);

    public static bool TryDecode(string value, Span<byte> destination, out int written) =>
        System.Buffers.Text.Base64Url.DecodeFromChars(value, destination, out _, out written) == OperationStatus.Done;
}
