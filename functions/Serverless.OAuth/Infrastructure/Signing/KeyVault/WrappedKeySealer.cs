using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// Seals a signing key into its row and opens it again: the private key under a fresh data key
/// (<see cref="SigningKeyEnvelope"/>), the data key wrapped by the newest version of a Key Vault RSA key
/// (RSA-OAEP-256). The row names the wrapping key's version, so unwrapping still works after the vault key rotates.
/// </summary>
public sealed class WrappedKeySealer(IKeyVaultKeys client, string wrappingKeyName)
{
    public const string WrapAlgorithm = "RSA-OAEP-256";

    /// <summary>A row holding <paramref name="key"/> sealed, with its public key and the given times.</summary>
    public async Task<WrappedSigningKeyEntity> SealAsync(
        AsymmetricSigningKey key, RotationSchedule.KeyTimes times, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var dataKey = SigningKeyEnvelope.NewDataKey();
        var privateKey = key.ExportPkcs8();
        try
        {
            var envelope = SigningKeyEnvelope.Seal(privateKey, dataKey, AssociatedData(times.Partition, key.KeyId));
            var wrappingKey = await client.GetKeyAsync(wrappingKeyName, null, cancellationToken);
            var wrapped = await client.WrapKeyAsync(wrappingKey.KeyId, WrapAlgorithm, dataKey, cancellationToken);
            return new WrappedSigningKeyEntity
            {
                PartitionKey = times.Partition,
                RowKey = WrappedSigningKeyEntity.Row,
                KeyId = key.KeyId,
                Algorithm = key.Algorithm,
                PublicKey = JsonSerializer.Serialize(key.PublicKey),
                WrappingKeyId = wrappingKey.KeyId,
                WrapAlgorithm = WrapAlgorithm,
                WrappedDataKey = Base64Url.Encode(wrapped),
                Nonce = Base64Url.Encode(envelope.Nonce),
                Ciphertext = Base64Url.Encode(envelope.Ciphertext),
                Tag = Base64Url.Encode(envelope.Tag),
                CreatedAt = now,
                ActivatesAt = times.ActivatesAt,
                ExpiresAt = times.ExpiresAt,
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>The signing key sealed in <paramref name="row"/>; throws when it was altered, moved, or does not match its public key.</summary>
    public async Task<AsymmetricSigningKey> OpenAsync(WrappedSigningKeyEntity row, CancellationToken cancellationToken)
    {
        var dataKey = await client.UnwrapKeyAsync(row.WrappingKeyId, row.WrapAlgorithm, Decode(row.WrappedDataKey), cancellationToken);
        byte[]? privateKey = null;
        try
        {
            var envelope = new SigningKeyEnvelope.Sealed(Decode(row.Nonce), Decode(row.Ciphertext), Decode(row.Tag));
            privateKey = SigningKeyEnvelope.Open(envelope, dataKey, AssociatedData(row.PartitionKey, row.KeyId));
            var key = AsymmetricSigningKey.Import(row.Algorithm, privateKey);
            if (key.KeyId != row.KeyId)
            {
                key.Dispose();
                throw new InvalidDataException($"The signing key in {row.PartitionKey} does not match its public key.");
            }

            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            if (privateKey is not null)
            {
                CryptographicOperations.ZeroMemory(privateKey);
            }
        }
    }

    /// <summary>Binds the ciphertext to its row, so a sealed key copied onto another row does not open.</summary>
    private static byte[] AssociatedData(string partition, string keyId) => Encoding.UTF8.GetBytes(partition + "|" + keyId);

    private static byte[] Decode(string value) => System.Buffers.Text.Base64Url.DecodeFromChars(value);
}
