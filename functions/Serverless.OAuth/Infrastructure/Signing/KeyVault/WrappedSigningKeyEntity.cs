using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// A row of the signingkeys table (KeyVaultWrapped mode): one signing key, in a partition of its own. The private key
/// is stored only sealed (<see cref="SigningKeyEnvelope"/>) under a data key that only Key Vault can unwrap.
/// <see cref="ExpiringEntity.ExpiresAt"/> is when every token the key can have signed has expired.
/// </summary>
public sealed class WrappedSigningKeyEntity : ExpiringEntity
{
    public const string Row = "key";

    /// <summary>The JWT kid: the RFC 7638 thumbprint of the public key.</summary>
    public string KeyId { get; set; } = "";

    public string Algorithm { get; set; } = "";

    /// <summary>The public JWK as JWKS publishes it.</summary>
    public string PublicKey { get; set; } = "";

    /// <summary>The versioned Key Vault key that wrapped the data key.</summary>
    public string WrappingKeyId { get; set; } = "";

    public string WrapAlgorithm { get; set; } = "";

    /// <summary>Base64url: the AES-256 data key, wrapped by Key Vault.</summary>
    public string WrappedDataKey { get; set; } = "";

    /// <summary>Base64url: the AES-GCM nonce, ciphertext (the PKCS#8 private key) and tag.</summary>
    public string Nonce { get; set; } = "";

    public string Ciphertext { get; set; } = "";

    public string Tag { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>From when instances sign with this key: by then every instance has published it.</summary>
    public DateTimeOffset ActivatesAt { get; set; }
}
