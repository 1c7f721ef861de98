using System.Security.Cryptography;
using System.Text;

namespace Serverless.OAuth.Protocol;

/// <summary>
/// Random values and their stored form. Codes and refresh tokens are "{partition}.{secret}": the partition (a random
/// id, not a secret) lets a single point read find the row; the secret is 256 random bits. Only SHA-256 hashes of the
/// whole value are stored: a fast hash is right for values with 256 bits of entropy.
/// </summary>
public static class SecretValues
{
    public const int SecretBytes = 32;

    public static string NewId() => Base64Url.Encode(RandomNumberGenerator.GetBytes(16));

    public static string NewSecret() => Base64Url.Encode(RandomNumberGenerator.GetBytes(SecretBytes));

    public static string Compose(string partition, string secret) => partition + "." + secret;

    /// <summary>Splits "{partition}.{secret}"; false for anything else (which is then simply an unknown value).</summary>
    public static bool TrySplit(string? value, out string partition, out string secret)
    {
        partition = secret = "";
        if (string.IsNullOrEmpty(value) || value.Length > 200)
        {
            return false;
        }

        var dot = value.IndexOf('.');
        if (dot <= 0 || dot == value.Length - 1 || value.IndexOf('.', dot + 1) >= 0)
        {
            return false;
        }

        partition = value[..dot];
        secret = value[(dot + 1)..];
        return partition.All(IsKeySafe) && secret.All(IsKeySafe);
    }

    public static string Hash(string value) => Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public static bool HashEquals(string storedHash, string value) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(storedHash), Encoding.ASCII.GetBytes(Hash(value)));

    /// <summary>Constant-time comparison of two strings of possibly different lengths.</summary>
    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    // Table Storage keys may not contain / \ # ? or control characters; base64url never does.
    private static bool IsKeySafe(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
}
