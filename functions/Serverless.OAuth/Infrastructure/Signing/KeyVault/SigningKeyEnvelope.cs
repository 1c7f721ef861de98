using System.Security.Cryptography;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// Envelope encryption of a private key: a PKCS#8 key is too large for an RSA wrap, so a random AES-256 data key
/// encrypts it with AES-GCM here, and only the 32-byte data key is wrapped by Key Vault. The associated data binds the
/// ciphertext to its row, so a sealed key copied onto another row does not open.
/// </summary>
public static class SigningKeyEnvelope
{
    public const int DataKeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public sealed record Sealed(byte[] Nonce, byte[] Ciphertext, byte[] Tag);

    public static byte[] NewDataKey() => RandomNumberGenerator.GetBytes(DataKeySize);

    public static Sealed Seal(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> associatedData)
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var ciphertext = new byte[privateKey.Length];
        var tag = new byte[TagSize];
        using var aes = new AesGcm(dataKey, TagSize);
        aes.Encrypt(nonce, privateKey, ciphertext, tag, associatedData);
        return new Sealed(nonce, ciphertext, tag);
    }

    /// <summary>Opens a sealed key; throws <see cref="AuthenticationTagMismatchException"/> when it was altered or moved.</summary>
    public static byte[] Open(Sealed envelope, ReadOnlySpan<byte> dataKey, ReadOnlySpan<byte> associatedData)
    {
        var privateKey = new byte[envelope.Ciphertext.Length];
        using var aes = new AesGcm(dataKey, TagSize);
        aes.Decrypt(envelope.Nonce, envelope.Ciphertext, envelope.Tag, privateKey, associatedData);
        return privateKey;
    }
}
