using System.Security.Cryptography;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Grants;

/// <summary>
/// The user code of the device authorization grant (RFC 8628 §6.1): 8 characters from 20 consonants without vowels
/// (so no word is spelled by chance) and without look-alikes, shown as XXXX-XXXX, compared without case or dashes.
/// 20^8 = 2.56 x 10^10 codes, about 34.6 bits: short enough to type, and guessing is bounded by the lockout per address
/// and the code's lifetime (docs/device-flow.md). Stored only as its SHA-256.
/// </summary>
public static class UserCode
{
    public const string Alphabet = "BCDFGHJKLMNPQRSTVWXZ";

    public const int Length = 8;

    /// <summary>How many user codes there are: the denominator of a guess's chance.</summary>
    public static readonly double Space = Math.Pow(Alphabet.Length, Length);

    /// <summary>A new code, as shown to the user (XXXX-XXXX).</summary>
    public static string New()
    {
        Span<char> code = stackalloc char[Length];
        for (var i = 0; i < Length; i++)
        {
            code[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return Display(new string(code));
    }

    /// <summary>XXXX-XXXX for a normalized code.</summary>
    public static string Display(string normalized) => normalized[..(Length / 2)] + "-" + normalized[(Length / 2)..];

    /// <summary>The code as typed, upper-cased, without dashes or spaces; null when it cannot be a code.</summary>
    public static string? Normalize(string? typed)
    {
        if (typed is null || typed.Length > 32)
        {
            return null;
        }

        var kept = new string(typed.Where(c => c is not ('-' or ' ')).Select(char.ToUpperInvariant).ToArray());
        return kept.Length == Length && kept.All(c => Alphabet.Contains(c)) ? kept : null;
    }

    /// <summary>The stored form of a normalized code: its SHA-256, base64url, a valid table key.</summary>
    public static string Hash(string normalized) => SecretValues.Hash(normalized);
}
