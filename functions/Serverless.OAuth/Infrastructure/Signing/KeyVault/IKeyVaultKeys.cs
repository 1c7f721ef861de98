namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// The Key Vault key operations the signing providers use (<see cref="KeyVaultKeysClient"/>). An interface because a
/// signing key's unit test substitutes it.
/// </summary>
public interface IKeyVaultKeys
{
    /// <summary>The vault's base URI (scheme and authority): key identifiers are checked against it.</summary>
    Uri VaultUri { get; }

    /// <summary>The public key and attributes of a version; the newest version when no version is given.</summary>
    Task<KeyVaultKey> GetKeyAsync(string name, string? version, CancellationToken cancellationToken);

    /// <summary>Every version's identifier and attributes.</summary>
    Task<IReadOnlyList<KeyVaultKeyVersion>> GetKeyVersionsAsync(string name, CancellationToken cancellationToken);

    /// <summary>A new key, or a new version of an existing one.</summary>
    Task<KeyVaultKey> CreateKeyAsync(
        string name, string keyType, string? curve, int? keySize, IReadOnlyList<string> operations, CancellationToken cancellationToken);

    /// <summary>The JWS signature of a digest (ES256: R||S; RS256: PKCS#1 v1.5).</summary>
    Task<byte[]> SignAsync(string keyId, string algorithm, byte[] digest, CancellationToken cancellationToken);

    /// <summary>Encrypts a symmetric key with the vault key (e.g. RSA-OAEP-256).</summary>
    Task<byte[]> WrapKeyAsync(string keyId, string algorithm, byte[] key, CancellationToken cancellationToken);

    /// <summary>Decrypts what <see cref="WrapKeyAsync"/> wrapped.</summary>
    Task<byte[]> UnwrapKeyAsync(string keyId, string algorithm, byte[] wrappedKey, CancellationToken cancellationToken);
}
