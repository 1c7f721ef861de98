using System.Security.Cryptography;
using System.Text;

namespace Serverless.OAuth.Protocol;

/// <summary>PKCE (RFC 7636) with S256 only; "plain" is not supported.</summary>
public static class Pkce
{
    public const string S256 = "S256";

    /// <summary>A code_challenge is BASE64URL(SHA256(verifier)): exactly 43 base64url characters.</summary>
    public static bool IsValidChallenge(string challenge) => challenge.Length == 43 && challenge.All(IsUnreserved);

    /// <summary>code-verifier = 43*128unreserved (RFC 7636 §4.1).</summary>
    public static bool IsValidVerifier(string verifier) =>
        verifier.Length is >= 43 and <= 128 && verifier.All(c => IsUnreserved(c) || c is '.' or '~');

    public static string ComputeChallenge(string verifier) =>
        Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    public static bool Verify(string verifier, string challenge)
    {
        Span<byte> expected = stackalloc byte[32];
        Span<byte> actual = stackalloc byte[32];
        if (!Base64Url.TryDecode(challenge, expected, out var written) || written != 32)
        {
            return false;
        }

        SHA256.HashData(Encoding.ASCII.GetBytes(verifier), actual);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
