using System.Security.Cryptography;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.Testing.KeyVault;

namespace Serverless.KeyVault.Tests;

/// <summary>The envelope of KeyVaultWrapped mode on its own: sealed under a vault-wrapped data key, opened only on its row.</summary>
public sealed class WrappedKeySealerTests : StandInTest
{
    private static readonly DateTimeOffset Now = new(2031, 5, 14, 1, 0, 0, TimeSpan.Zero);

    private WrappedKeySealer Sealer() =>
        new(new KeyVaultKeysClient(Vault.VaultUri, Credential, Vault.ClientOptions()), "key-wrapping");

    [Fact]
    public async Task ASealedKey_OpensToTheSameKey_WithOneWrapAndOneUnwrap()
    {
        Vault.AddKey("key-wrapping", "RSA");
        using var key = AsymmetricSigningKey.Create("ES256");
        var times = new RotationSchedule.KeyTimes("p20310514000000", Now, Now.AddDays(1));

        var row = await Sealer().SealAsync(key, times, Now, CancellationToken.None);
        using var opened = await Sealer().OpenAsync(row, CancellationToken.None);

        Assert.Equal(key.KeyId, opened.KeyId);
        Assert.Equal((times.Partition, times.ActivatesAt, times.ExpiresAt), (row.PartitionKey, row.ActivatesAt, row.ExpiresAt));
        Assert.Equal(WrappedKeySealer.WrapAlgorithm, row.WrapAlgorithm);
        Assert.Equal(1, Vault.Count(KeyVaultOperation.WrapKey));
        Assert.Equal(1, Vault.Count(KeyVaultOperation.UnwrapKey));
    }

    [Fact]
    public async Task ASealedKeyMovedToAnotherRow_DoesNotOpen()
    {
        Vault.AddKey("key-wrapping", "RSA");
        using var key = AsymmetricSigningKey.Create("RS256");
        var row = await Sealer().SealAsync(key, new RotationSchedule.KeyTimes("p20310514000000", Now, Now.AddDays(1)), Now, CancellationToken.None);

        row.PartitionKey = "p20310515000000";

        await Assert.ThrowsAnyAsync<CryptographicException>(() => Sealer().OpenAsync(row, CancellationToken.None));
    }
}
