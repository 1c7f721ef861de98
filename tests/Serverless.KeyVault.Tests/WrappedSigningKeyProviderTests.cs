using System.Security.Cryptography;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.KeyVault;

namespace Serverless.KeyVault.Tests;

public sealed class WrappedSigningKeyProviderTests : StandInTest
{
    private static readonly TimeSpan Interval = TimeSpan.FromDays(1);
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(5);

    // One hour into a rotation period (periods are counted from the Unix epoch, so days start at midnight UTC).
    private static readonly DateTimeOffset PeriodStart = new(2031, 5, 14, 0, 0, 0, TimeSpan.Zero);
    private readonly ManualClock _clock = new(PeriodStart.AddHours(1));
    private StorageOptions _storage = null!;
    private OAuthTables _tables = null!;

    protected override TimeProvider Clock => _clock;

    private OAuthServerOptions Options => IndependentVerifier.Options(
        new SigningOptions
        {
            Mode = SigningMode.KeyVaultWrapped,
            Algorithm = "ES256",
            KeyVaultUri = Vault.VaultUri,
            WrappingKeyName = "key-wrapping",
            RotationInterval = Interval,
            KeyRefreshInterval = Refresh,
            ClockSkew = TimeSpan.FromMinutes(1),
        },
        _storage);

    private async Task StartAsync()
    {
        _storage = (await AzuriteServer.Shared).NewStorage();
        _tables = new OAuthTables(_storage);
        Vault.AddKey("key-wrapping", "RSA");
    }

    /// <summary>One server instance: its own client, cache and unwrapped keys, sharing the table and the vault.</summary>
    private WrappedSigningKeyProvider NewInstance(int maxRetries = 2)
    {
        var clientOptions = Vault.ClientOptions(maxRetries);
        var client = new KeyVaultKeysClient(Vault.VaultUri, Credential, clientOptions);
        return new WrappedSigningKeyProvider(
            client, _tables, new ExpiryIndex(_tables), Options.Signing.Algorithm, Options, _clock, NullLogger<WrappedSigningKeyProvider>.Instance);
    }

    private async Task<List<WrappedSigningKeyEntity>> RowsAsync()
    {
        var table = await _tables.GetAsync(OAuthTables.SigningKeys);
        var rows = new List<WrappedSigningKeyEntity>();
        await foreach (var row in table.QueryAsync<WrappedSigningKeyEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public async Task AfterStartUp_TokensCostZeroVaultOperations_AndVerifyAgainstTheJwks()
    {
        await StartAsync();
        using var instance = NewInstance();

        await instance.GetSigningKeyAsync(CancellationToken.None);
        Assert.Equal(1, Vault.Count(KeyVaultOperation.GetKey));
        Assert.Equal(1, Vault.Count(KeyVaultOperation.WrapKey));
        Assert.Equal(2, Vault.TotalOperations);
        Vault.ResetCounts();

        var tokens = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            tokens.Add(await IndependentVerifier.IssueAsync(instance, Options, _clock));
        }

        var published = await instance.GetPublicKeysAsync(CancellationToken.None);
        foreach (var token in tokens)
        {
            await IndependentVerifier.AssertVerifiesAsync(token, published, _clock);
        }

        Assert.Equal(0, Vault.TotalOperations);
        Assert.Equal(0, Vault.Challenges);
    }

    [Fact]
    public async Task AnotherInstance_UnwrapsTheSameKeyOnce_ThenSignsLocally()
    {
        await StartAsync();
        using var first = NewInstance();
        var kid = (await first.GetSigningKeyAsync(CancellationToken.None)).KeyId;
        Vault.ResetCounts();

        using var second = NewInstance();
        var tokens = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            tokens.Add(await IndependentVerifier.IssueAsync(second, Options, _clock));
        }

        Assert.Equal(1, Vault.Count(KeyVaultOperation.UnwrapKey));
        Assert.Equal(1, Vault.TotalOperations);
        var publishedByFirst = await first.GetPublicKeysAsync(CancellationToken.None);
        foreach (var token in tokens)
        {
            Assert.Equal(kid, await IndependentVerifier.AssertVerifiesAsync(token, publishedByFirst, _clock));
        }
    }

    [Fact]
    public async Task InstancesRacingAtStartUp_CreateExactlyOneKeyForThePeriod()
    {
        await StartAsync();
        var instances = Enumerable.Range(0, 4).Select(_ => NewInstance()).ToList();

        var keys = await Task.WhenAll(instances.Select(i => i.GetSigningKeyAsync(CancellationToken.None).AsTask()));

        Assert.Single(keys.Select(k => k.KeyId).Distinct());
        var row = Assert.Single(await RowsAsync());
        Assert.Equal(RotationSchedule.ScheduledPartition(PeriodStart, "ES256"), row.PartitionKey);
        Assert.Equal(keys[0].KeyId, row.KeyId);
        instances.ForEach(i => i.Dispose());
    }

    [Fact]
    public async Task ScheduledRotation_PrePublishesTheNextKey_SwitchesAtThePeriod_AndDropsTheOldKeyWhenItsTokensExpired()
    {
        await StartAsync();
        using var instance = NewInstance();
        var oldKid = (await instance.GetSigningKeyAsync(CancellationToken.None)).KeyId;
        var nextPeriod = PeriodStart + Interval;

        // Inside the pre-publication window (two refresh intervals before the period): the next key is published, not used.
        _clock.Advance(nextPeriod - TimeSpan.FromMinutes(9) - _clock.GetUtcNow());
        var lastOldToken = await IndependentVerifier.IssueAsync(instance, Options, _clock);
        var published = await instance.GetPublicKeysAsync(CancellationToken.None);
        Assert.Equal(oldKid, IndependentVerifier.KeyIdOf(lastOldToken));
        Assert.Equal(2, published.Count);
        var newKid = published.Single(k => k.KeyId != oldKid).KeyId;

        _clock.Advance(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(1));
        var newToken = await IndependentVerifier.IssueAsync(instance, Options, _clock);
        published = await instance.GetPublicKeysAsync(CancellationToken.None);
        Assert.Equal(newKid, await IndependentVerifier.AssertVerifiesAsync(newToken, published, _clock));
        Assert.Equal(oldKid, await IndependentVerifier.AssertVerifiesAsync(lastOldToken, published, _clock));

        // The old row expires when its last possible token has (period end + refresh + lifetime + skew), and is indexed for the purge.
        var oldRow = (await RowsAsync()).Single(r => r.KeyId == oldKid);
        Assert.Equal(nextPeriod + Refresh + TimeSpan.FromMinutes(11), oldRow.ExpiresAt);
        var index = await _tables.GetAsync(OAuthTables.Expiry);
        Assert.NotNull((await index.GetEntityIfExistsAsync<TableEntity>(
            new ExpiryIndex(_tables).BucketOf(OAuthTables.SigningKeys, oldRow.PartitionKey, oldRow.ExpiresAt), ExpiryIndex.EntryKey(OAuthTables.SigningKeys, oldRow.PartitionKey))).Value);

        _clock.Advance(oldRow.ExpiresAt - _clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        Assert.Equal([newKid], (await instance.GetPublicKeysAsync(CancellationToken.None)).Select(k => k.KeyId));
        var purged = await new ExpiryPurge(_tables, new ExpiryIndex(_tables), _clock, NullLogger<ExpiryPurge>.Instance).RunAsync();
        Assert.Equal(1, purged.RowsDeleted);
        Assert.Equal([newKid], (await RowsAsync()).Select(r => r.KeyId));
    }

    [Fact]
    public async Task RotationCommand_PublishesANewKey_ThatSignsAfterOneRefreshInterval()
    {
        await StartAsync();
        using var instance = NewInstance();
        var before = await IndependentVerifier.IssueAsync(instance, Options, _clock);
        _clock.Advance(TimeSpan.FromSeconds(1));

        var rotated = await instance.RotateAsync(CancellationToken.None);

        Assert.Contains(rotated.KeyId, (await instance.GetPublicKeysAsync(CancellationToken.None)).Select(k => k.KeyId));
        Assert.NotEqual(rotated.KeyId, IndependentVerifier.KeyIdOf(await IndependentVerifier.IssueAsync(instance, Options, _clock)));

        _clock.Advance(Refresh + TimeSpan.FromSeconds(1));
        var after = await IndependentVerifier.IssueAsync(instance, Options, _clock);
        var published = await instance.GetPublicKeysAsync(CancellationToken.None);
        Assert.Equal(rotated.KeyId, await IndependentVerifier.AssertVerifiesAsync(after, published, _clock));
        Assert.NotEqual(rotated.KeyId, await IndependentVerifier.AssertVerifiesAsync(before, published, _clock));
    }

    [Fact]
    public async Task VaultOutageAfterStartUp_DoesNotStopSigning_ButANewInstanceCannotStart()
    {
        await StartAsync();
        using var running = NewInstance();
        await running.GetSigningKeyAsync(CancellationToken.None);
        Vault.FailNext(1000, 500);

        for (var i = 0; i < 5; i++)
        {
            await IndependentVerifier.IssueAsync(running, Options, _clock);
        }

        Assert.Equal(0, Vault.Faulted);
        using var starting = NewInstance(maxRetries: 1);
        await Assert.ThrowsAsync<DependencyUnavailableException>(() => starting.GetSigningKeyAsync(CancellationToken.None).AsTask());
        Assert.Equal(2, Vault.Count(KeyVaultOperation.UnwrapKey));
    }

    [Fact]
    public async Task StoredRow_HoldsNoUsablePrivateKey_AndATamperedOneIsRefused()
    {
        await StartAsync();
        using (var creator = NewInstance())
        {
            await creator.GetSigningKeyAsync(CancellationToken.None);
        }

        var row = Assert.Single(await RowsAsync());
        Assert.Throws<CryptographicException>(() => ECDsa.Create().ImportPkcs8PrivateKey(
            System.Buffers.Text.Base64Url.DecodeFromChars(row.Ciphertext), out _));

        var ciphertext = System.Buffers.Text.Base64Url.DecodeFromChars(row.Ciphertext);
        ciphertext[^1] ^= 1;
        row.Ciphertext = Base64Url.Encode(ciphertext);
        await (await _tables.GetAsync(OAuthTables.SigningKeys)).UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);

        using var reader = NewInstance();
        await Assert.ThrowsAnyAsync<CryptographicException>(() => reader.GetSigningKeyAsync(CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task ModeSwitch_RegistersTheWrappedProvider_FromConfiguration()
    {
        await StartAsync();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = IndependentVerifier.Issuer,
            ["OAuth:Storage:ConnectionString"] = _storage.ConnectionString,
            ["OAuth:Storage:TablePrefix"] = _storage.TablePrefix,
            ["OAuth:Signing:Mode"] = "KeyVaultWrapped",
            ["OAuth:Signing:KeyVaultUri"] = Vault.VaultUri.ToString(),
            ["OAuth:Signing:WrappingKeyName"] = "key-wrapping",
            ["OAuth:Signing:Algorithm"] = "RS256",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_clock);
        services.AddSingleton<Azure.Core.TokenCredential>(Credential);
        services.Configure<OAuthServerOptions>(o => o.Signing.KeyVaultClient = Vault.ClientOptions());
        services.AddServerlessOAuth(configuration);
        await using var provider = services.BuildServiceProvider();

        var keys = provider.GetRequiredService<ISigningKeyProvider>();
        var key = await keys.GetSigningKeyAsync(CancellationToken.None);

        Assert.IsType<WrappedSigningKeyProvider>(keys);
        Assert.Equal("RS256", key.Algorithm);
        Assert.Equal(key.KeyId, Assert.Single(await RowsAsync()).KeyId);

        // The ring holds the other algorithm too, in rows of its own: both are published.
        var published = await provider.GetRequiredService<SigningKeyRing>().GetPublicKeysAsync(CancellationToken.None);
        Assert.Equal(["RS256", "ES256"], published.Select(k => k.Algorithm));
        var rows = await RowsAsync();
        Assert.Equal(["ES256", "RS256"], rows.Select(r => r.Algorithm).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.EndsWith("-" + r.Algorithm, r.PartitionKey, StringComparison.Ordinal));
        Assert.Equal(published.Select(k => k.KeyId).Order(StringComparer.Ordinal), rows.Select(r => r.KeyId).Order(StringComparer.Ordinal));
    }
}
