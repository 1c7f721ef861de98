namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>A key whose private half never leaves the vault: every signature is one Key Vault sign operation.</summary>
public sealed class KeyVaultSigningKey(IKeyVaultKeys client, string vaultKeyId, PublicJsonWebKey publicKey) : ISigningKey
{
    public string KeyId => PublicKey.KeyId;

    public string Algorithm => PublicKey.Algorithm;

    public PublicJsonWebKey PublicKey { get; } = publicKey;

    /// <summary>The versioned vault identifier (https://{vault}/keys/{name}/{version}) the signature is asked of.</summary>
    public string VaultKeyId { get; } = vaultKeyId;

    public async ValueTask<byte[]> SignDigestAsync(byte[] digest, CancellationToken cancellationToken) =>
        await client.SignAsync(VaultKeyId, Algorithm, digest, cancellationToken);
}
