using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Storage;

namespace Serverless.OAuth.Signing.KeyVault;

/// <summary>
/// KeyVaultWrapped mode: the server makes its own signing keys, seals each private key under a data key wrapped by a
/// Key Vault RSA key (Signing:WrappingKeyName, RSA-OAEP-256), and keeps it in the signingkeys table. Each instance
/// unwraps a key once and then signs in process: issuing a token costs no Key Vault operation.
/// <para>
/// Keys rotate on a fixed schedule (Signing:RotationInterval), checked whenever the cached keys are refreshed: the next
/// period's key is created two refresh intervals before the period starts, so every instance publishes it before any
/// signs with it. A key stays published until every token it can have signed has expired, and its row carries that
/// time as ExpiresAt for the purge.
/// </para>
/// </summary>
public sealed class WrappedSigningKeyProvider : ISigningKeyProvider, IDisposable
{
    public const string WrapAlgorithm = "RSA-OAEP-256";
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    private readonly KeyVaultKeysClient _client;
    private readonly OAuthTables _tables;
    private readonly ExpiryIndex _expiryIndex;
    private readonly OAuthServerOptions _options;
    private readonly KeyLifecycle _lifecycle;
    private readonly TimeProvider _clock;
    private readonly ILogger<WrappedSigningKeyProvider> _logger;
    private readonly string _wrappingKeyName;

    // Touched only by reloads and rotations, which the ring's gate keeps one at a time.
    private readonly Dictionary<string, AsymmetricSigningKey> _unwrapped = new(StringComparer.Ordinal);
    private readonly ReloadingValue<KeyRing> _ring;

    public WrappedSigningKeyProvider(
        KeyVaultKeysClient client,
        OAuthTables tables,
        ExpiryIndex expiryIndex,
        OAuthServerOptions options,
        TimeProvider clock,
        ILogger<WrappedSigningKeyProvider> logger)
    {
        _client = client;
        _tables = tables;
        _expiryIndex = expiryIndex;
        _options = options;
        _lifecycle = KeyLifecycle.For(options);
        _clock = clock;
        _logger = logger;
        _wrappingKeyName = options.Signing.WrappingKeyName is { Length: > 0 } name
            ? name
            : throw new ArgumentException("OAuth:Signing:WrappingKeyName is required in KeyVaultWrapped mode.", nameof(options));
        _ring = new ReloadingValue<KeyRing>(clock, ring => ring.ValidUntil, ReloadAsync);
    }

    private TimeSpan Delay => _lifecycle.PropagationDelay;

    private TimeSpan Interval => _options.Signing.RotationInterval;

    public async ValueTask<ISigningKey> GetSigningKeyAsync(CancellationToken cancellationToken) =>
        (await _ring.GetAsync(cancellationToken)).Current;

    public async ValueTask<IReadOnlyList<PublicJsonWebKey>> GetPublicKeysAsync(CancellationToken cancellationToken) =>
        (await _ring.GetAsync(cancellationToken)).Published;

    /// <summary>
    /// Makes a key outside the schedule (e.g. after a suspected compromise of the current one). Instances sign with it
    /// once it has been published for one refresh interval, until the next scheduled key takes over.
    /// </summary>
    public Task<PublicJsonWebKey> RotateAsync(CancellationToken cancellationToken) => _ring.ChangeAsync(
        async () =>
        {
            var now = _clock.GetUtcNow();
            var activatesAt = _lifecycle.ActivationOf(now);
            var nextPeriod = RotationSchedule.PeriodStart(now, Interval) + Interval;
            var retiresAt = activatesAt > nextPeriod ? activatesAt : nextPeriod;
            var row = await CreateAsync(RotationSchedule.ManualPartition(now), now, activatesAt, _lifecycle.UnpublishOf(retiresAt + Delay), cancellationToken);
            return Deserialize(row);
        },
        cancellationToken);

    private async Task<KeyRing> ReloadAsync(DateTimeOffset now, KeyRing? previous, CancellationToken cancellationToken)
    {
        KeyRing loaded;
        try
        {
            loaded = await LoadAsync(now, cancellationToken);
        }
        catch (Exception e) when (previous is not null && _lifecycle.CanSign(previous.SignerExpiresAt, now) && IsTransient(e))
        {
            // Signing needs neither storage nor the vault once a key is unwrapped: keep going with the cached keys.
            _logger.LogWarning("Could not refresh the signing keys ({ExceptionType}); using the cached ones", e.GetType().Name);
            return previous with { ValidUntil = now + RetryAfterFailure };
        }

        if (!ReferenceEquals(previous?.Current, loaded.Current))
        {
            _logger.LogInformation(
                "Signing with wrapped key {KeyId} ({Algorithm}); {Published} keys published", loaded.Current.KeyId, loaded.Current.Algorithm, loaded.Published.Count);
        }

        return loaded;
    }

    private async Task<KeyRing> LoadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await ReadLiveRowsAsync(now, cancellationToken);
        var validUntil = now + Delay;

        var period = RotationSchedule.PeriodStart(now, Interval);
        var nextPeriod = period + Interval;
        if (!rows.Any(r => r.PartitionKey == RotationSchedule.ScheduledPartition(period)))
        {
            // Without a key for the current period nothing can be signed: this one has to succeed.
            rows.Add(await CreateScheduledAsync(period, now, cancellationToken));
        }

        var prepublishFrom = nextPeriod - 2 * Delay;
        if (now >= prepublishFrom && !rows.Any(r => r.PartitionKey == RotationSchedule.ScheduledPartition(nextPeriod)))
        {
            try
            {
                rows.Add(await CreateScheduledAsync(nextPeriod, now, cancellationToken));
            }
            catch (DependencyUnavailableException)
            {
                // The current key keeps signing; the next refresh tries again.
                _logger.LogWarning("Could not create the signing key of the period starting {PeriodStart}; retrying later", nextPeriod);
                validUntil = Min(validUntil, now + RetryAfterFailure);
            }
        }
        else if (prepublishFrom > now)
        {
            validUntil = Min(validUntil, prepublishFrom);
        }

        var signer = ChooseSigner(rows, now);
        var current = await UnwrapAsync(signer, cancellationToken);

        foreach (var row in rows)
        {
            validUntil = Min(validUntil, row.ExpiresAt);
            if (row.ActivatesAt > now)
            {
                validUntil = Min(validUntil, row.ActivatesAt);
            }

            if (row.ExpiresAt - _lifecycle.TokenReach > now)
            {
                validUntil = Min(validUntil, row.ExpiresAt - _lifecycle.TokenReach);
            }
        }

        ForgetUnwrappedExcept(rows);
        var published = rows.OrderBy(r => r.ActivatesAt).ThenBy(r => r.CreatedAt)
            .Select(r => r.PartitionKey == signer.PartitionKey ? current.PublicKey : Deserialize(r))
            .ToList();
        return new KeyRing(current, published, validUntil, signer.ExpiresAt);
    }

    /// <summary>
    /// The key that signs: of the keys whose tokens would all expire while the key is still published, the one that
    /// activated last; when none has activated yet (first start, or a long idle), the one closest to activation.
    /// </summary>
    private WrappedSigningKeyEntity ChooseSigner(List<WrappedSigningKeyEntity> rows, DateTimeOffset now)
    {
        var candidates = rows.Where(r => _lifecycle.CanSign(r.ExpiresAt, now)).ToList();
        return candidates.Where(r => r.ActivatesAt <= now).OrderBy(r => r.ActivatesAt).ThenBy(r => r.CreatedAt).LastOrDefault()
            ?? candidates.OrderBy(r => r.ActivatesAt).ThenBy(r => r.CreatedAt).FirstOrDefault()
            ?? throw new InvalidOperationException("No signing key can sign a token now.");
    }

    private Task<WrappedSigningKeyEntity> CreateScheduledAsync(DateTimeOffset periodStart, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var activatesAt = _lifecycle.ActivationOf(now) > periodStart ? _lifecycle.ActivationOf(now) : periodStart;
        var nextPeriod = periodStart + Interval;
        var retiresAt = activatesAt > nextPeriod ? activatesAt : nextPeriod;

        // A period's key may sign until one refresh interval past the period (when its successor came late).
        return CreateAsync(RotationSchedule.ScheduledPartition(periodStart), now, activatesAt, _lifecycle.UnpublishOf(retiresAt + Delay), cancellationToken);
    }

    private async Task<WrappedSigningKeyEntity> CreateAsync(
        string partition, DateTimeOffset now, DateTimeOffset activatesAt, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var key = AsymmetricSigningKey.Create(_options.Signing.Algorithm);
        var dataKey = SigningKeyEnvelope.NewDataKey();
        var privateKey = key.ExportPkcs8();
        try
        {
            var envelope = SigningKeyEnvelope.Seal(privateKey, dataKey, AssociatedData(partition, key.KeyId));

            // The newest version of the wrapping key; the row names it, so unwrapping still works after the vault key rotates.
            var wrappingKey = await _client.GetKeyAsync(_wrappingKeyName, null, cancellationToken);
            var wrapped = await _client.WrapKeyAsync(wrappingKey.KeyId, WrapAlgorithm, dataKey, cancellationToken);
            var row = new WrappedSigningKeyEntity
            {
                PartitionKey = partition,
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
                ActivatesAt = activatesAt,
                ExpiresAt = expiresAt,
            };

            // The index entry first, so the purge can always find the row.
            await _expiryIndex.AddAsync(OAuthTables.SigningKeys, partition, expiresAt, cancellationToken);
            var table = await _tables.GetAsync(OAuthTables.SigningKeys, cancellationToken);
            try
            {
                await table.AddEntityAsync(row, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Another instance created this period's key first: use theirs.
                key.Dispose();
                var winner = await table.GetEntityAsync<WrappedSigningKeyEntity>(partition, WrappedSigningKeyEntity.Row, cancellationToken: cancellationToken);
                _logger.LogInformation("Another instance created the signing key {KeyId} of {Partition} first", winner.Value.KeyId, partition);
                return winner.Value;
            }

            _unwrapped[partition] = key;
            AuditEvents.SigningKeyRotated(_logger, key.KeyId, key.Algorithm, activatesAt);
            return row;
        }
        catch
        {
            if (!_unwrapped.ContainsKey(partition))
            {
                key.Dispose();
            }

            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private async Task<AsymmetricSigningKey> UnwrapAsync(WrappedSigningKeyEntity row, CancellationToken cancellationToken)
    {
        if (_unwrapped.TryGetValue(row.PartitionKey, out var known))
        {
            return known;
        }

        var dataKey = await _client.UnwrapKeyAsync(row.WrappingKeyId, row.WrapAlgorithm, Decode(row.WrappedDataKey), cancellationToken);
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

            _unwrapped[row.PartitionKey] = key;
            _logger.LogInformation("Unwrapped the signing key {KeyId} of {Partition}", row.KeyId, row.PartitionKey);
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

    private async Task<List<WrappedSigningKeyEntity>> ReadLiveRowsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var table = await _tables.GetAsync(OAuthTables.SigningKeys, cancellationToken);
        var rows = new List<WrappedSigningKeyEntity>();

        // A handful of rows: the keys still published, and expired ones the purge has not deleted yet (filtered out here).
        await foreach (var row in table.QueryAsync<WrappedSigningKeyEntity>(
            TableClient.CreateQueryFilter($"ExpiresAt gt {now}"), cancellationToken: cancellationToken))
        {
            if (row.IsLive(now))
            {
                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>Drops unwrapped keys whose rows are gone: they signed nothing still live, so no request holds them.</summary>
    private void ForgetUnwrappedExcept(List<WrappedSigningKeyEntity> rows)
    {
        foreach (var partition in _unwrapped.Keys.Where(p => !rows.Any(r => r.PartitionKey == p)).ToList())
        {
            _unwrapped.Remove(partition, out var key);
            key?.Dispose();
        }
    }

    private static byte[] AssociatedData(string partition, string keyId) => Encoding.UTF8.GetBytes(partition + "|" + keyId);

    private static PublicJsonWebKey Deserialize(WrappedSigningKeyEntity row) =>
        JsonSerializer.Deserialize<PublicJsonWebKey>(row.PublicKey) ?? throw new InvalidDataException($"The public key in {row.PartitionKey} is unreadable.");

    private static byte[] Decode(string value) => System.Buffers.Text.Base64Url.DecodeFromChars(value);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public void Dispose()
    {
        foreach (var key in _unwrapped.Values)
        {
            key.Dispose();
        }

        _unwrapped.Clear();
        _ring.Dispose();
    }

    private static bool IsTransient(Exception e) =>
        e is DependencyUnavailableException or HttpRequestException || (e is RequestFailedException failed && failed.Status is 0 or 408 or 429 or >= 500);

    private sealed record KeyRing(AsymmetricSigningKey Current, IReadOnlyList<PublicJsonWebKey> Published, DateTimeOffset ValidUntil, DateTimeOffset SignerExpiresAt);
}
