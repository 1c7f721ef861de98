using System.Security.Cryptography;
using Azure;
using Azure.Core.Pipeline;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.Testing;
using Serverless.Testing.KeyVault;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.KeyVault.Tests;

public sealed class KeyVaultKeysClientTests : StandInTest
{
    private KeyVaultKeysClient Client(int maxRetries = 2) => new(Vault.VaultUri, Credential, Vault.ClientOptions(maxRetries));

    [Fact]
    public async Task FirstRequest_AnswersTheChallenge_ThenAuthenticatesWithTheChallengesResourceAndTenant()
    {
        Vault.AddKey("signing", "EC");
        var client = Client();

        var key = await client.GetKeyAsync("signing", null, CancellationToken.None);
        await client.GetKeyAsync("signing", null, CancellationToken.None);
        await client.GetKeyVersionsAsync("signing", CancellationToken.None);

        Assert.Equal("EC", key.KeyType);
        Assert.Equal(1, Vault.Challenges);
        var asked = Assert.Single(Credential.Requests.DistinctBy(r => (string.Join(" ", r.Scopes), r.TenantId)));
        Assert.Equal(["https://vault.azure.net/.default"], asked.Scopes);
        Assert.Equal(KeyVaultStandIn.TenantId, asked.TenantId);
        Assert.Equal(3, Vault.TotalOperations);
        Assert.Equal([KeyVaultClientOptions.ApiVersion], Vault.ApiVersionsSeen);
    }

    [Fact]
    public async Task ChallengeProbe_CarriesNoBody_AndTheRealRequestStillSignsTheDigest()
    {
        var kid = Vault.AddKey("signing", "EC");
        var client = Client();
        var digest = SHA256.HashData("payload"u8);

        // The first request of a client is the probe: a sign whose body must be restored after the challenge.
        var signature = await client.SignAsync(kid, "ES256", digest, CancellationToken.None);

        Assert.Equal(1, Vault.Challenges);
        Assert.Equal(1, Vault.Count(KeyVaultOperation.Sign));
        Assert.True(VerifyEs256(await client.GetKeyAsync("signing", null, CancellationToken.None), digest, signature));
    }

    [Theory]
    [InlineData("EC", "ES256")]
    [InlineData("RSA", "RS256")]
    public async Task Sign_ProducesJwsSignaturesThatVerifyWithThePublicKey(string keyType, string algorithm)
    {
        var kid = Vault.AddKey("signing", keyType);
        var client = Client();
        var key = await client.GetKeyAsync("signing", null, CancellationToken.None);
        var digest = SHA256.HashData("header.payload"u8);

        var signature = await client.SignAsync(kid, algorithm, digest, CancellationToken.None);

        Assert.Equal(algorithm, key.SigningAlgorithm);
        if (algorithm == "ES256")
        {
            Assert.Equal(64, signature.Length);
            Assert.True(VerifyEs256(key, digest, signature));
            digest[0] ^= 1;
            Assert.False(VerifyEs256(key, digest, signature));
        }
        else
        {
            using var rsa = RSA.Create(new RSAParameters { Modulus = B64(key.Modulus!), Exponent = B64(key.Exponent!) });
            Assert.True(rsa.VerifyHash(digest, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
    }

    [Fact]
    public async Task Throttled429_IsRetriedByThePipeline_AndTheCallSucceeds()
    {
        var kid = Vault.AddKey("signing", "EC");
        var client = Client();
        await client.GetKeyAsync("signing", null, CancellationToken.None);
        Vault.ResetCounts();
        Vault.FailNext(1, 429, retryAfter: TimeSpan.FromSeconds(1));

        var signature = await client.SignAsync(kid, "ES256", SHA256.HashData("x"u8), CancellationToken.None);

        Assert.Equal(64, signature.Length);
        Assert.Equal(2, Vault.Count(KeyVaultOperation.Sign));
        Assert.Equal(1, Vault.Faulted);
    }

    [Fact]
    public async Task ServerErrorsPastTheRetries_AreDependencyUnavailable()
    {
        var kid = Vault.AddKey("signing", "EC");
        var client = Client(maxRetries: 2);
        await client.GetKeyAsync("signing", null, CancellationToken.None);
        Vault.ResetCounts();
        Vault.FailNext(10, 500);

        var failure = await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
            client.SignAsync(kid, "ES256", SHA256.HashData("x"u8), CancellationToken.None));

        Assert.Equal(KeyVaultKeysClient.Dependency, failure.Dependency);
        Assert.Equal(500, Assert.IsType<RequestFailedException>(failure.InnerException).Status);
        Assert.Equal(3, Vault.Count(KeyVaultOperation.Sign));
    }

    [Fact]
    public async Task ThrottledPastTheRetries_IsDependencyUnavailable()
    {
        var kid = Vault.AddKey("signing", "EC");
        var client = Client(maxRetries: 1);
        await client.GetKeyAsync("signing", null, CancellationToken.None);
        Vault.FailNext(5, 429);

        var failure = await Assert.ThrowsAsync<DependencyUnavailableException>(() =>
            client.SignAsync(kid, "ES256", SHA256.HashData("x"u8), CancellationToken.None));

        Assert.Equal(429, Assert.IsType<RequestFailedException>(failure.InnerException).Status);
    }

    [Fact]
    public async Task UnreachableVault_IsDependencyUnavailable()
    {
        var options = Vault.ClientOptions(maxRetries: 1);
        var client = new KeyVaultKeysClient(new Uri($"https://127.0.0.1:{FreePort.Next()}/"), Credential, options);

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => client.GetKeyAsync("signing", null, CancellationToken.None));
    }

    [Fact]
    public async Task CertificateValidationStaysOn_WithoutThePinnedTransportTheStandInIsRefused()
    {
        Vault.AddKey("signing", "EC");
        var options = Vault.ClientOptions(maxRetries: 0);
        options.Transport = new HttpClientTransport(new HttpClientHandler());
        var client = new KeyVaultKeysClient(Vault.VaultUri, Credential, options);

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => client.GetKeyAsync("signing", null, CancellationToken.None));
        Assert.Equal(0, Vault.TotalOperations + Vault.Challenges);
    }

    [Fact]
    public async Task ChallengeForAnotherDomain_IsRefusedWhenResourceVerificationIsOn()
    {
        Vault.AddKey("signing", "EC");
        var options = Vault.ClientOptions();
        options.VerifyChallengeResource = true;
        var client = new KeyVaultKeysClient(Vault.VaultUri, Credential, options);

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetKeyAsync("signing", null, CancellationToken.None));
        Assert.Equal(0, Credential.Calls);
    }

    [Fact]
    public async Task MissingKey_IsAConfigurationError_NotUnavailability()
    {
        var client = Client();

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() => client.GetKeyAsync("absent", null, CancellationToken.None));

        Assert.Equal(404, failure.Status);
    }

    [Fact]
    public async Task WrapAndUnwrap_RoundTripAnAesKey_WithRsaOaep256()
    {
        var kid = Vault.AddKey("wrapping", "RSA");
        var client = Client();
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var wrapped = await client.WrapKeyAsync(kid, "RSA-OAEP-256", dataKey, CancellationToken.None);
        var unwrapped = await client.UnwrapKeyAsync(kid, "RSA-OAEP-256", wrapped, CancellationToken.None);

        Assert.NotEqual(dataKey, wrapped);
        Assert.Equal(dataKey, unwrapped);
        Assert.Equal(1, Vault.Count(KeyVaultOperation.WrapKey));
        Assert.Equal(1, Vault.Count(KeyVaultOperation.UnwrapKey));
    }

    [Fact]
    public async Task CreateAndRotate_AddVersions_AndListingFollowsNextLink()
    {
        var client = Client();
        Vault.VersionsPageSize = 2;

        var first = await client.CreateKeyAsync("signing", "EC", "P-256", null, ["sign", "verify"], CancellationToken.None);
        var second = await client.RotateKeyAsync("signing", CancellationToken.None);
        var third = await client.CreateKeyAsync("signing", "EC", "P-256", null, ["sign", "verify"], CancellationToken.None);
        var versions = await client.GetKeyVersionsAsync("signing", CancellationToken.None);

        Assert.Equal([first.KeyId, second.KeyId, third.KeyId], versions.Select(v => v.KeyId));
        Assert.Equal(2, Vault.Count(KeyVaultOperation.ListVersions));
        Assert.Equal(third.KeyId, (await client.GetKeyAsync("signing", null, CancellationToken.None)).KeyId);
        Assert.NotEqual(first.ToPublicJsonWebKey().KeyId, second.ToPublicJsonWebKey().KeyId);
    }

    [Fact]
    public async Task KeyIdentifiersOfAnotherHost_AreRefusedBeforeAnyRequest()
    {
        var client = Client();

        await Assert.ThrowsAsync<ArgumentException>(() =>
            client.SignAsync("https://elsewhere.vault.azure.net/keys/signing/abc", "ES256", new byte[32], CancellationToken.None));
        Assert.Equal(0, Vault.TotalOperations + Vault.Challenges);
    }

    private static bool VerifyEs256(KeyVaultKey key, byte[] digest, byte[] signature)
    {
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = B64(key.X!), Y = B64(key.Y!) },
        });
        return ecdsa.VerifyHash(digest, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    private static byte[] B64(string value) => System.Buffers.Text.Base64Url.DecodeFromChars(value);
}
