using Azure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.OAuth.Grants.Tokens;
using Serverless.Testing;
using Serverless.Testing.KeyVault;

namespace Serverless.KeyVault.Tests;

public sealed class KeyVaultSigningKeyProviderTests : StandInTest
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2031, 5, 14, 9, 0, 0, TimeSpan.Zero));

    protected override TimeProvider Clock => _clock;

    private (KeyVaultSigningKeyProvider Provider, OAuthServerOptions Options) NewProvider(string algorithm = "ES256", int maxRetries = 2)
    {
        var options = IndependentVerifier.Options(new SigningOptions
        {
            Mode = SigningMode.KeyVault,
            Algorithm = algorithm,
            KeyVaultUri = Vault.VaultUri,
            KeyName = "token-signing",
            KeyRefreshInterval = TimeSpan.FromMinutes(5),
            ClockSkew = TimeSpan.FromMinutes(1),
        });
        var clientOptions = Vault.ClientOptions(maxRetries);
        var client = new KeyVaultKeysClient(Vault.VaultUri, Credential, clientOptions);
        return (new KeyVaultSigningKeyProvider(client, algorithm, options, _clock, NullLogger<KeyVaultSigningKeyProvider>.Instance), options);
    }

    /// <summary>The server's services in KeyVault mode, from configuration as a host registers them.</summary>
    private ServiceProvider ServerServices(string? secondKeyName = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = IndependentVerifier.Issuer,
            ["OAuth:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["OAuth:Signing:Mode"] = "KeyVault",
            ["OAuth:Signing:KeyVaultUri"] = Vault.VaultUri.ToString(),
            ["OAuth:Signing:KeyName"] = "token-signing",
            ["OAuth:Signing:SecondKeyName"] = secondKeyName,
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton<Azure.Core.TokenCredential>(Credential);
        services.Configure<OAuthServerOptions>(o => o.Signing.KeyVaultClient = Vault.ClientOptions());
        services.AddServerlessOAuth(configuration);
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData("EC", "ES256")]
    [InlineData("RSA", "RS256")]
    public async Task Tokens_VerifyAgainstThePublishedJwks_WithTheHeaderKid(string keyType, string algorithm)
    {
        Vault.AddKey("token-signing", keyType);
        var (provider, options) = NewProvider(algorithm);

        var token = await IndependentVerifier.IssueAsync(provider, options, _clock);
        var published = await provider.GetPublicKeysAsync(CancellationToken.None);

        var kid = await IndependentVerifier.AssertVerifiesAsync(token, published, _clock);
        var key = Assert.Single(published);
        Assert.Equal(kid, key.KeyId);
        Assert.Equal(algorithm, key.Algorithm);
    }

    [Fact]
    public async Task EveryToken_CostsExactlyOneSignOperation_AndNothingElse()
    {
        Vault.AddKey("token-signing", "EC");
        var (provider, options) = NewProvider();
        await provider.GetPublicKeysAsync(CancellationToken.None);
        Vault.ResetCounts();

        const int tokens = 7;
        for (var i = 0; i < tokens; i++)
        {
            await IndependentVerifier.IssueAsync(provider, options, _clock);
        }

        await provider.GetPublicKeysAsync(CancellationToken.None);
        Assert.Equal(tokens, Vault.Count(KeyVaultOperation.Sign));
        Assert.Equal(tokens, Vault.TotalOperations);
    }

    [Fact]
    public async Task Rotation_PublishesTheNewVersionFirst_ThenSignsWithIt_AndOldTokensStayValid()
    {
        Vault.AddKey("token-signing", "EC");
        var (provider, options) = NewProvider();
        var before = await IndependentVerifier.IssueAsync(provider, options, _clock);
        var oldKid = IndependentVerifier.KeyIdOf(before);
        _clock.Advance(TimeSpan.FromSeconds(1));

        var rotated = await provider.RotateAsync(CancellationToken.None);

        // Published at once, but not signing until every instance has had a refresh interval to publish it too.
        var published = await provider.GetPublicKeysAsync(CancellationToken.None);
        Assert.Equal([oldKid, rotated.KeyId], published.Select(k => k.KeyId));
        Assert.Equal(oldKid, IndependentVerifier.KeyIdOf(await IndependentVerifier.IssueAsync(provider, options, _clock)));

        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var after = await IndependentVerifier.IssueAsync(provider, options, _clock);
        published = await provider.GetPublicKeysAsync(CancellationToken.None);

        Assert.Equal(rotated.KeyId, await IndependentVerifier.AssertVerifiesAsync(after, published, _clock));
        Assert.Equal(oldKid, await IndependentVerifier.AssertVerifiesAsync(before, published, _clock));

        // Once the old version's last token has expired (lifetime + skew after its retirement), it is no longer published.
        _clock.Advance(TimeSpan.FromMinutes(11));
        published = await provider.GetPublicKeysAsync(CancellationToken.None);
        Assert.Equal([rotated.KeyId], published.Select(k => k.KeyId));
    }

    [Fact]
    public async Task AnotherInstancesRotation_IsPickedUpAtTheNextRefresh()
    {
        Vault.AddKey("token-signing", "EC");
        var (signer, options) = NewProvider();
        var (admin, _) = NewProvider();
        var oldKid = (await signer.GetSigningKeyAsync(CancellationToken.None)).KeyId;
        _clock.Advance(TimeSpan.FromSeconds(1));

        var rotated = await admin.RotateAsync(CancellationToken.None);
        Assert.Equal(oldKid, (await signer.GetSigningKeyAsync(CancellationToken.None)).KeyId);

        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var token = await IndependentVerifier.IssueAsync(signer, options, _clock);

        Assert.Equal(rotated.KeyId, await IndependentVerifier.AssertVerifiesAsync(token, await admin.GetPublicKeysAsync(CancellationToken.None), _clock));
    }

    [Fact]
    public async Task DisabledVersion_IsNoLongerPublishedAfterTheRefresh()
    {
        var first = Vault.AddKey("token-signing", "EC");
        var (provider, _) = NewProvider();
        _clock.Advance(TimeSpan.FromSeconds(1));
        await provider.RotateAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(2, (await provider.GetPublicKeysAsync(CancellationToken.None)).Count);

        Vault.Disable(first);
        _clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Single(await provider.GetPublicKeysAsync(CancellationToken.None));
    }

    [Fact]
    public async Task VaultFailingPastTheRetries_SurfacesAsDependencyUnavailable()
    {
        Vault.AddKey("token-signing", "EC");
        var (provider, options) = NewProvider(maxRetries: 2);
        await provider.GetSigningKeyAsync(CancellationToken.None);
        Vault.FailNext(3, 500);

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => IndependentVerifier.IssueAsync(provider, options, _clock));
        Assert.Equal(3, Vault.Count(KeyVaultOperation.Sign));

        // The vault back: the next token is signed.
        await IndependentVerifier.AssertVerifiesAsync(
            await IndependentVerifier.IssueAsync(provider, options, _clock), await provider.GetPublicKeysAsync(CancellationToken.None), _clock);
    }

    [Fact]
    public async Task VaultUnavailableAtRefresh_KeepsPublishingTheCachedKeys()
    {
        Vault.AddKey("token-signing", "EC");
        var (provider, _) = NewProvider(maxRetries: 0);
        var cached = await provider.GetPublicKeysAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(6));
        Vault.FailNext(1, 503);

        var published = await provider.GetPublicKeysAsync(CancellationToken.None);

        Assert.Equal(cached, published);
        Assert.Equal(1, Vault.Faulted);
    }

    [Fact]
    public async Task SignaturesComeFromTheVersionTheProviderChose()
    {
        // A unit check without HTTP: the signing key asks the vault for exactly the version it publishes.
        var versionId = "https://vault.example/keys/token-signing/v1";
        var client = new Mock<IKeyVaultKeys>();
        client.Setup(c => c.SignAsync(versionId, "ES256", It.IsAny<byte[]>(), It.IsAny<CancellationToken>())).ReturnsAsync(new byte[64]);
        var key = new KeyVaultSigningKey(client.Object, versionId, new PublicJsonWebKey { KeyType = "EC", KeyId = "kid1", Algorithm = "ES256" });

        await key.SignDigestAsync(new byte[32], CancellationToken.None);

        client.Verify(c => c.SignAsync(versionId, "ES256", It.IsAny<byte[]>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ModeSwitch_RegistersTheKeyVaultProvider_FromConfiguration()
    {
        Vault.AddKey("token-signing", "EC");
        await using var provider = ServerServices();

        var keys = provider.GetRequiredService<ISigningKeyProvider>();
        var token = await provider.GetRequiredService<AccessTokenIssuer>()
            .IssueAsync("family1", "alice", "client1", IndependentVerifier.ReadToken(provider.GetRequiredService<OAuthServerOptions>()), null, null, CancellationToken.None);

        Assert.IsType<KeyVaultSigningKeyProvider>(keys);
        await IndependentVerifier.AssertVerifiesAsync(token.AccessToken, await keys.GetPublicKeysAsync(CancellationToken.None), _clock);
        Assert.Equal(1, Vault.Count(KeyVaultOperation.Sign));
    }

    [Fact]
    public async Task ASecondKeyName_AddsTheOtherAlgorithm_SoIdTokensAreRS256_AndTheJwksHasBoth()
    {
        Vault.AddKey("token-signing", "EC");
        Vault.AddKey("id-token-signing", "RSA");
        await using var provider = ServerServices(secondKeyName: "id-token-signing");
        var ring = provider.GetRequiredService<SigningKeyRing>();
        var client = new Serverless.OAuth.Clients.OAuthClient { ClientId = "rp1", Name = "RP", Type = Serverless.OAuth.Clients.ClientType.Public };
        var authentication = new Authentication("alice", _clock.GetUtcNow(), Authentication.Password, null);

        var idToken = await provider.GetRequiredService<IdTokenIssuer>().IssueAsync(client, authentication, "n", "access-token", CancellationToken.None);
        var es256IdToken = await provider.GetRequiredService<IdTokenIssuer>().IssueAsync(
            client with { IdTokenSignedResponseAlg = "ES256" }, authentication, "n", "access-token", CancellationToken.None);
        var accessToken = await provider.GetRequiredService<AccessTokenIssuer>().IssueAsync("family1", "alice", "rp1", IndependentVerifier.ReadToken(provider.GetRequiredService<OAuthServerOptions>()), null, null, CancellationToken.None);

        var published = await ring.GetPublicKeysAsync(CancellationToken.None);
        Assert.Equal(["ES256", "RS256"], published.Select(k => k.Algorithm));
        Assert.Equal(["ES256", "RS256"], ring.Algorithms);
        Assert.Equal("RS256", new JsonWebToken(idToken).Alg);
        Assert.Equal("ES256", new JsonWebToken(es256IdToken).Alg);
        Assert.Equal("ES256", new JsonWebToken(accessToken.AccessToken).Alg);
        foreach (var token in new[] { idToken, es256IdToken })
        {
            var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
            {
                ValidIssuer = IndependentVerifier.Issuer,
                ValidAudience = "rp1",
                ValidTypes = ["JWT"],
                IssuerSigningKeys = new JsonWebKeySet(IndependentVerifier.Jwks(published)).Keys,
                LifetimeValidator = (_, expires, _, _) => expires > _clock.GetUtcNow().UtcDateTime,
            });
            Assert.True(result.IsValid, result.Exception?.Message);
        }

        await IndependentVerifier.AssertVerifiesAsync(accessToken.AccessToken, published, _clock);
        Assert.Equal(3, Vault.Count(KeyVaultOperation.Sign));
    }

    [Fact]
    public async Task AKeyOfTheWrongType_IsAClearConfigurationError()
    {
        Vault.AddKey("token-signing", "EC");
        var (provider, _) = NewProvider("RS256");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetSigningKeyAsync(CancellationToken.None).AsTask());

        Assert.Contains("signs ES256, but it is configured for RS256", failure.Message);
    }

    [Fact]
    public async Task KeyWithoutAnEnabledVersion_IsAClearConfigurationError()
    {
        var first = Vault.AddKey("token-signing", "EC");
        Vault.Disable(first);
        var (provider, _) = NewProvider();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => provider.GetSigningKeyAsync(CancellationToken.None).AsTask());
        Assert.Contains("token-signing", failure.Message);
    }

    [Fact]
    public async Task RotateAsync_CreatesTheKey_WhenTheVaultHasNoneYet()
    {
        var (provider, _) = NewProvider("RS256");

        var created = await provider.RotateAsync(CancellationToken.None);

        Assert.Equal("RS256", created.Algorithm);
        Assert.Equal(created.KeyId, (await provider.GetSigningKeyAsync(CancellationToken.None)).KeyId);
        Assert.Equal(1, Vault.Count(KeyVaultOperation.CreateKey));
        _ = Assert.IsType<RequestFailedException>(await Record.ExceptionAsync(() =>
            new KeyVaultKeysClient(Vault.VaultUri, Credential, Vault.ClientOptions()).GetKeyAsync("other", null, CancellationToken.None)));
    }
}
