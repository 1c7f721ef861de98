using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Infrastructure.Signing;

/// <summary>
/// Local mode: keys generated on first start and kept in a file (owner-only permissions), so tokens stay valid across
/// restarts. One instance per algorithm, all keeping their keys in the one file, each reading only its own. Keys follow
/// the <see cref="KeyLifecycle"/> every mode shares: a rotated-in key is published one refresh interval before it
/// signs, and a rotated-out key stays published until every token it signed has expired. For a developer's machine; in
/// Azure use a Key Vault mode, where no private key sits on disk.
/// </summary>
public sealed class LocalSigningKeyProvider : ISigningKeyProvider, IDisposable
{
    // The providers of a file (one per algorithm) change it in turn, so that neither writes over the other's new key.
    private static readonly ConcurrentDictionary<string, object> FileLocks = new(StringComparer.Ordinal);

    private readonly string _path;
    private readonly string _algorithm;
    private readonly object _fileLock;
    private readonly KeyLifecycle _lifecycle;
    private readonly TimeProvider _clock;
    private readonly ILogger<LocalSigningKeyProvider> _logger;
    private readonly ReloadingValue<KeyRing> _ring;

    public LocalSigningKeyProvider(string path, string algorithm, OAuthServerOptions options, TimeProvider clock, ILogger<LocalSigningKeyProvider> logger)
    {
        _path = path;
        _algorithm = algorithm;
        _fileLock = FileLocks.GetOrAdd(Path.GetFullPath(path), _ => new object());
        _lifecycle = KeyLifecycle.For(options);
        _clock = clock;
        _logger = logger;
        _ring = new ReloadingValue<KeyRing>(clock, ring => ring.ValidUntil, (now, _, _) => Task.FromResult(Load(now)));
    }

    public async ValueTask<ISigningKey> GetSigningKeyAsync(CancellationToken cancellationToken) =>
        (await _ring.GetAsync(cancellationToken)).Current;

    public async ValueTask<IReadOnlyList<PublicJsonWebKey>> GetPublicKeysAsync(CancellationToken cancellationToken) =>
        (await _ring.GetAsync(cancellationToken)).Published;

    /// <summary>Adds a key that is published now and signs once it has been published for one refresh interval.</summary>
    public Task<PublicJsonWebKey> RotateAsync(CancellationToken cancellationToken) => _ring.ChangeAsync(
        () =>
        {
            var now = _clock.GetUtcNow();
            lock (_fileLock)
            {
                return Task.FromResult(Add(Read(), now, _lifecycle.ActivationOf(now)));
            }
        },
        cancellationToken);

    private KeyRing Load(DateTimeOffset now)
    {
        List<StoredKey> keys;
        lock (_fileLock)
        {
            var file = Read();
            if (!file.Keys.Any(k => k.Algorithm == _algorithm))
            {
                // First start in this algorithm: nothing can sign in it until a key exists, so the new key signs at once.
                Add(file, now, now);
            }

            keys = Ordered(file);
        }

        var plan = _lifecycle.Plan(keys.Select(k => k.Activation).ToList(), now);
        var signer = keys[plan.Signer].Import();
        var published = plan.Published.Select(i => i == plan.Signer ? signer.PublicKey : PublicKeyOf(keys[i])).ToList();
        return new KeyRing(signer, published, plan.ValidUntil);
    }

    private static PublicJsonWebKey PublicKeyOf(StoredKey stored)
    {
        using var key = stored.Import();
        return key.PublicKey;
    }

    private PublicJsonWebKey Add(KeyFile file, DateTimeOffset now, DateTimeOffset activatesAt)
    {
        using var created = AsymmetricSigningKey.Create(_algorithm);
        file.Keys.Add(StoredKey.From(created, now, activatesAt));
        Write(file);
        AuditEvents.SigningKeyRotated(_logger, created.KeyId, created.Algorithm, activatesAt);
        return created.PublicKey;
    }

    /// <summary>This algorithm's keys, in the order they activate.</summary>
    private List<StoredKey> Ordered(KeyFile file) =>
        file.Keys.Where(k => k.Algorithm == _algorithm).OrderBy(k => k.Activation).ThenBy(k => k.CreatedAt).ToList();

    private KeyFile Read()
    {
        if (!File.Exists(_path))
        {
            return new KeyFile();
        }

        return JsonSerializer.Deserialize<KeyFile>(File.ReadAllText(_path)) ?? new KeyFile();
    }

    private void Write(KeyFile file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path)) ?? ".");
        var temporary = _path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            JsonSerializer.Serialize(stream, file);
        }

        // Atomic replace: a crash mid-write never leaves a half-written key file.
        File.Move(temporary, _path, overwrite: true);
    }

    public void Dispose() => _ring.Dispose();

    private sealed record KeyRing(AsymmetricSigningKey Current, IReadOnlyList<PublicJsonWebKey> Published, DateTimeOffset ValidUntil);

    private sealed class KeyFile
    {
        public List<StoredKey> Keys { get; set; } = [];
    }

    private sealed class StoredKey
    {
        public string KeyId { get; set; } = "";

        public string Algorithm { get; set; } = "";

        public string PrivateKeyPkcs8 { get; set; } = "";

        public DateTimeOffset CreatedAt { get; set; }

        /// <summary>When the key signs from; absent in files written before keys were published ahead, where it signed at once.</summary>
        public DateTimeOffset? ActivatesAt { get; set; }

        [System.Text.Json.Serialization.JsonIgnore]
        public DateTimeOffset Activation => ActivatesAt ?? CreatedAt;

        public AsymmetricSigningKey Import() => AsymmetricSigningKey.Import(Algorithm, Convert.FromBase64String(PrivateKeyPkcs8));

        public static StoredKey From(AsymmetricSigningKey key, DateTimeOffset now, DateTimeOffset activatesAt) => new()
        {
            KeyId = key.KeyId,
            Algorithm = key.Algorithm,
            PrivateKeyPkcs8 = Convert.ToBase64String(key.ExportPkcs8()),
            CreatedAt = now,
            ActivatesAt = activatesAt,
        };
    }
}
