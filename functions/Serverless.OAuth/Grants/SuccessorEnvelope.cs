using System.Security.Cryptography;
using System.Text;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Grants;

/// <summary>
/// Seals a rotated refresh token's successor with AES-GCM under a key derived (HKDF-SHA256) from the rotated token.
/// The store holds only the token's SHA-256, so the store alone can never open it.
/// </summary>
public static class SuccessorEnvelope
{
    private static readonly byte[] Info = Encoding.ASCII.GetBytes("serverless-oauth refresh successor v1");

    public static string Seal(string rotatedToken, string successor)
    {
        var key = DeriveKey(rotatedToken);
        var plaintext = Encoding.UTF8.GetBytes(successor);
        var output = new byte[12 + plaintext.Length + 16];
        var nonce = output.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, plaintext, output.AsSpan(12, plaintext.Length), output.AsSpan(12 + plaintext.Length));
        return Base64Url.Encode(output);
    }

    public static string? Open(string rotatedToken, string sealedSuccessor)
    {
        var data = new byte[sealedSuccessor.Length];
        if (!Base64Url.TryDecode(sealedSuccessor, data, out var length) || length < 12 + 16)
        {
            return null;
        }

        var plaintext = new byte[length - 12 - 16];
        using var aes = new AesGcm(DeriveKey(rotatedToken), 16);
        try
        {
            aes.Decrypt(data.AsSpan(0, 12), data.AsSpan(12, plaintext.Length), data.AsSpan(12 + plaintext.Length, 16), plaintext);
            return Encoding.UTF8.GetString(plaintext);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] DeriveKey(string token) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(token), 32, salt: [], info: Info);
}
