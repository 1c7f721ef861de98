using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// KeyVaultWrapped mode: the server makes its own signing keys, seals each private key under a data key wrapped by a
/// Key Vault RSA key (Signing:WrappingKeyName, RSA-OAEP-256), and keeps it in the signingkeys table. Each instance
/// unwraps a key once and then signs in process: issuing a token costs no Key Vault operation. One instance per
/// algorithm, sharing the table: each reads and makes only the rows of its algorithm.
/// <para>
/// Keys rotate on a fixed schedule (Signing:RotationInterval), checked whenever the cached keys are refreshed: the next
/// period's key is created two refresh intervals before the period starts, so every instance publishes it before any
/// signs with it. A key stays published until every token it can have signed has expired, and its row carries that
/// time as ExpiresAt for the purge. This class runs the refresh; the schedule (<see cref="RotationSchedule"/>), the
/// table and its create race (<see cref="WrappedKeyStore"/>), the sealing (<see cref="WrappedKeySealer"/>) and the
/// unwrapped keys (<see cref="UnwrappedKeyCache"/>) are pieces of their own.
/// </para>
/// </summary>
public sealed class WrappedSigningKeyProvider : ISigningKeyProvider, IDisposable
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    private readonly string _algorithm;
    private readonly KeyLifecycle _lifecycle;
    private readonly RotationSchedule _schedule;
    private readonly WrappedKeyStore _store;
    private readonly WrappedKeySealer _sealer;
    private readonly UnwrappedKeyCache _unwrapped = new();
    private readonly TimeProvider _clock;
    private readonly ILogger<WrappedSigningKeyProvider> _logger;
    private readonly ReloadingValue<KeyRing> _ring;

    public WrappedSigningKeyProvider(
        IKeyVaultKeys client,
        OAuthTables tables,
        ExpiryIndex expiryIndex,
        string algorithm,
        OAuthServerOptions options,
        TimeProvider clock,
        ILogger<WrappedSigningKeyProvider> logger)
    {
        _algorithm = algorithm;
        _lifecycle = KeyLifecycle.For(options);
        _schedule = new RotationSchedule(_lifecycle, options.Signing.RotationInterval, algorithm);
        _store = new WrappedKeyStore(tables, expiryIndex, clock);
        _sealer = new WrappedKeySealer(client, options.Signing.RequiredWrappingKeyName);
        _clock = clock;
        _logger = logger;
        _ring = new ReloadingValue<KeyRing>(clock, ring => ring.ValidUntil, ReloadAsync);
    }

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
            return Deserialize(await CreateAsync(_schedule.Manual(now), now, cancellationToken));
        },
        cancellationToken);

    private async Task<KeyRing> ReloadAsync(DateTimeOffset now, KeyRing? previous, CancellationToken cancellationToken)
    {
        KeyRing loaded;
        try
        {
            loaded = await LoadAsync(now, cancellationToken);
        }
        catch (Exception e) when (previous is not null && _lifecycle.CanSign(previous.SignerExpiresAt, now)
            && DependencyUnavailableException.IsTransient(e, cancellationToken))
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
        var rows = (await _store.ReadLiveAsync(cancellationToken)).Where(r => r.Algorithm == _algorithm).ToList();
        var validUntil = now + _lifecycle.PropagationDelay;

        var period = _schedule.PeriodStart(now);
        if (!rows.Any(r => r.PartitionKey == _schedule.ScheduledPartition(period)))
        {
            // Without a key for the current period nothing can be signed: this one has to succeed.
            rows.Add(await CreateAsync(_schedule.ForPeriod(period, now), now, cancellationToken));
        }

        var nextPeriod = _schedule.NextPeriodStart(now);
        var prepublishFrom = _schedule.PrepublishFrom(nextPeriod);
        if (now >= prepublishFrom && !rows.Any(r => r.PartitionKey == _schedule.ScheduledPartition(nextPeriod)))
        {
            try
            {
                rows.Add(await CreateAsync(_schedule.ForPeriod(nextPeriod, now), now, cancellationToken));
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

        var signer = _schedule.ChooseSigner(rows, now);
        var current = await UnwrapAsync(signer, cancellationToken);
        _unwrapped.RetainOnly(rows);
        var published = rows.OrderBy(r => r.ActivatesAt).ThenBy(r => r.CreatedAt)
            .Select(r => r.PartitionKey == signer.PartitionKey ? current.PublicKey : Deserialize(r))
            .ToList();
        return new KeyRing(current, published, _schedule.NextChange(rows, now, validUntil), signer.ExpiresAt);
    }

    private async Task<WrappedSigningKeyEntity> CreateAsync(RotationSchedule.KeyTimes times, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = AsymmetricSigningKey.Create(_algorithm);
        var kept = false;
        try
        {
            var (row, created) = await _store.AddOrGetAsync(await _sealer.SealAsync(key, times, now, cancellationToken), cancellationToken);
            if (!created)
            {
                _logger.LogInformation("Another instance created the signing key {KeyId} of {Partition} first", row.KeyId, row.PartitionKey);
                return row;
            }

            _unwrapped.Add(row.PartitionKey, key);
            kept = true;
            AuditEvents.SigningKeyRotated(_logger, key.KeyId, key.Algorithm, times.ActivatesAt);
            return row;
        }
        finally
        {
            if (!kept)
            {
                key.Dispose();
            }
        }
    }

    private async Task<AsymmetricSigningKey> UnwrapAsync(WrappedSigningKeyEntity row, CancellationToken cancellationToken)
    {
        if (_unwrapped.TryGet(row.PartitionKey, out var known))
        {
            return known;
        }

        var key = await _sealer.OpenAsync(row, cancellationToken);
        _unwrapped.Add(row.PartitionKey, key);
        _logger.LogInformation("Unwrapped the signing key {KeyId} of {Partition}", row.KeyId, row.PartitionKey);
        return key;
    }

    private static PublicJsonWebKey Deserialize(WrappedSigningKeyEntity row) =>
        JsonSerializer.Deserialize<PublicJsonWebKey>(row.PublicKey) ?? throw new InvalidDataException($"The public key in {row.PartitionKey} is unreadable.");

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public void Dispose()
    {
        _unwrapped.Dispose();
        _ring.Dispose();
    }

    private sealed record KeyRing(AsymmetricSigningKey Current, IReadOnlyList<PublicJsonWebKey> Published, DateTimeOffset ValidUntil, DateTimeOffset SignerExpiresAt);
}
