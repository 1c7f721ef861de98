using System.Collections.Concurrent;
using Azure;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// KeyVault mode: tokens are signed by a Key Vault key (Signing:KeyName, and Signing:SecondKeyName for the other
/// algorithm: one instance per key), one sign operation per token; the private key never leaves the vault. Rotation
/// is a new key version. A new version is published for one refresh interval before any instance signs with it, and a
/// superseded version stays published until every token it signed has expired, so JWKS always holds the kid of every
/// live token. Between refreshes the versions are cached: issuing a token costs one
/// sign operation and nothing else, and the JWKS costs none.
/// </summary>
public sealed class KeyVaultSigningKeyProvider : ISigningKeyProvider, IDisposable
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    private readonly IKeyVaultKeys _client;
    private readonly string _algorithm;
    private readonly KeyLifecycle _lifecycle;
    private readonly TimeProvider _clock;
    private readonly ILogger<KeyVaultSigningKeyProvider> _logger;
    private readonly string _keyName;

    // A version's key material never changes, so each version is fetched once per process.
    private readonly ConcurrentDictionary<string, KeyVaultKey> _versions = new(StringComparer.Ordinal);
    private readonly ReloadingValue<KeyRing> _ring;

    /// <param name="algorithm">What the key signs: its versions must be EC P-256 keys for ES256, RSA keys for RS256.</param>
    public KeyVaultSigningKeyProvider(
        IKeyVaultKeys client, string algorithm, OAuthServerOptions options, TimeProvider clock, ILogger<KeyVaultSigningKeyProvider> logger)
    {
        _client = client;
        _algorithm = algorithm;
        _lifecycle = KeyLifecycle.For(options);
        _clock = clock;
        _logger = logger;
        _keyName = options.Signing.RequiredKeyNameFor(algorithm);
        _ring = new ReloadingValue<KeyRing>(clock, ring => ring.ValidUntil, ReloadAsync);
    }

    public async ValueTask<ISigningKey> GetSigningKeyAsync(CancellationToken cancellationToken) =>
        (await _ring.GetAsync(cancellationToken)).Current;

    public async ValueTask<IReadOnlyList<PublicJsonWebKey>> GetPublicKeysAsync(CancellationToken cancellationToken) =>
        (await _ring.GetAsync(cancellationToken)).Published;

    /// <summary>
    /// Creates a new version of the key, of the same type as the newest one (or of this provider's algorithm when the
    /// key does not exist yet). Instances sign with it once it has been published for one refresh interval.
    /// </summary>
    public Task<PublicJsonWebKey> RotateAsync(CancellationToken cancellationToken) => _ring.ChangeAsync(
        async () =>
        {
            var (keyType, curve, size) = await NewVersionShapeAsync(cancellationToken);
            var created = await _client.CreateKeyAsync(_keyName, keyType, curve, size, ["sign", "verify"], cancellationToken);
            _versions[created.KeyId] = created;
            var published = created.ToPublicJsonWebKey();
            // Every instance publishes the new version at its next refresh; only then does it sign.
            AuditEvents.SigningKeyRotated(_logger, published.KeyId, published.Algorithm, _lifecycle.ActivationOf(_clock.GetUtcNow()));
            return published;
        },
        cancellationToken);

    private async Task<(string KeyType, string? Curve, int? Size)> NewVersionShapeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var newest = await _client.GetKeyAsync(_keyName, null, cancellationToken);
            return newest.Curve is not null
                ? (newest.KeyType, newest.Curve, null)
                : (newest.KeyType, null, System.Buffers.Text.Base64Url.DecodeFromChars(newest.Modulus).Length * 8);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return _algorithm == SigningAlgorithms.RS256 ? ("RSA", null, 2048) : ("EC", "P-256", null);
        }
    }

    private async Task<KeyRing> ReloadAsync(DateTimeOffset now, KeyRing? previous, CancellationToken cancellationToken)
    {
        try
        {
            var loaded = await LoadAsync(now, cancellationToken);
            if (previous?.Current.VaultKeyId != loaded.Current.VaultKeyId)
            {
                _logger.LogInformation(
                    "Signing with Key Vault key {KeyName} version {Version} as {KeyId} ({Algorithm}); {Published} keys published",
                    _keyName, KeyVaultKeyIdentifier.Parse(loaded.Current.VaultKeyId, _client.VaultUri).Version,
                    loaded.Current.KeyId, loaded.Current.Algorithm, loaded.Published.Count);
            }

            return loaded;
        }
        catch (Protocol.DependencyUnavailableException) when (previous is not null)
        {
            // Keep verifying and trying with what we know rather than failing every request while the vault is away.
            _logger.LogWarning("Could not refresh the versions of Key Vault key {KeyName}; using the cached ones", _keyName);
            return previous with { ValidUntil = now + Min(RetryAfterFailure, _lifecycle.PropagationDelay) };
        }
    }

    private async Task<KeyRing> LoadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var versions = (await _client.GetKeyVersionsAsync(_keyName, cancellationToken))
            .Where(v => v.Attributes.IsUsable(now))
            .OrderBy(v => v.Attributes.CreatedOn ?? DateTimeOffset.MinValue)
            .ThenBy(v => v.KeyId, StringComparer.Ordinal)
            .ToList();
        if (versions.Count == 0)
        {
            throw new InvalidOperationException(
                $"The Key Vault key '{_keyName}' has no enabled version. Create it (the infrastructure does), or run the key rotation command.");
        }

        // The oldest version signs from its creation; every later one only once it has been published for a refresh interval.
        var plan = _lifecycle.Plan(
            versions.Select((v, i) => i == 0 ? DateTimeOffset.MinValue : _lifecycle.ActivationOf(v.Attributes.CreatedOn ?? DateTimeOffset.MinValue)).ToList(), now);
        var current = await GetVersionAsync(versions[plan.Signer].KeyId, cancellationToken);
        if (current.SigningAlgorithm != _algorithm)
        {
            throw new InvalidOperationException(
                $"The Key Vault key '{_keyName}' signs {current.SigningAlgorithm}, but it is configured for {_algorithm}: use an RSA key for RS256, an EC P-256 key for ES256.");
        }

        var currentKey = new KeyVaultSigningKey(_client, current.KeyId, current.ToPublicJsonWebKey());
        var published = new List<PublicJsonWebKey>(plan.Published.Count);
        foreach (var i in plan.Published)
        {
            published.Add(i == plan.Signer ? currentKey.PublicKey : (await GetVersionAsync(versions[i].KeyId, cancellationToken)).ToPublicJsonWebKey());
        }

        return new KeyRing(currentKey, published, plan.ValidUntil);
    }

    private async Task<KeyVaultKey> GetVersionAsync(string keyId, CancellationToken cancellationToken)
    {
        if (_versions.TryGetValue(keyId, out var known))
        {
            return known;
        }

        var id = KeyVaultKeyIdentifier.Parse(keyId, _client.VaultUri);
        var key = await _client.GetKeyAsync(id.Name, id.Version, cancellationToken);
        return _versions[keyId] = key;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public void Dispose() => _ring.Dispose();

    private sealed record KeyRing(KeyVaultSigningKey Current, IReadOnlyList<PublicJsonWebKey> Published, DateTimeOffset ValidUntil);
}
