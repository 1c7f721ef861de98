using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Options;

namespace Serverless.OAuth.Signing;

/// <summary>
/// Local mode: keys generated on first start and kept in a file (owner-only permissions), so tokens stay valid across
/// restarts. A rotated-out key stays published until every token it signed has expired. For a developer's machine;
/// in Azure use a Key Vault mode, where no private key sits on disk.
/// </summary>
public sealed class LocalSigningKeyProvider : ISigningKeyProvider, IDisposable
{
    private readonly string _path;
    private readonly OAuthServerOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<LocalSigningKeyProvider> _logger;
    private readonly ReloadingValue<KeyRing> _ring;

    public LocalSigningKeyProvider(string path, OAuthServerOptions options, TimeProvider clock, ILogger<LocalSigningKeyProvider> logger)
    {
        _path = path;
        _options = options;
        _clock = clock;
        _logger = logger;
        _ring = new ReloadingValue<KeyRing>(clock, ring => ring.ValidUntil, (_, _, _) => Task.FromResult(Load()));
    }

    public async ValueTask<ISigningKey> GetSigningKeyAsync(CancellationToken cancellationToken) =>
        (await _ring.GetAsync(cancellationToken)).Current;

    public async ValueTask<IReadOnlyList<PublicJsonWebKey>> GetPublicKeysAsync(CancellationToken cancellationToken) =>
        (await _ring.GetAsync(cancellationToken)).Published;

    public Task<PublicJsonWebKey> RotateAsync(CancellationToken cancellationToken) => _ring.ChangeAsync(
        () =>
        {
            var file = Read();
            var now = _clock.GetUtcNow();
            foreach (var key in file.Keys.Where(k => k.RetiredAt is null))
            {
                key.RetiredAt = now;
            }

            var created = AsymmetricSigningKey.Create(_options.Signing.Algorithm);
            file.Keys.Add(StoredKey.From(created, now));
            Write(file);
            AuditEvents.SigningKeyRotated(_logger, created.KeyId, created.Algorithm, now);
            return Task.FromResult(created.PublicKey);
        },
        cancellationToken);

    private KeyRing Load()
    {
        var file = Read();
        if (!file.Keys.Any(k => k.RetiredAt is null && k.Algorithm == _options.Signing.Algorithm))
        {
            // First start, or the configured algorithm changed: make a key for it and retire the others.
            var now = _clock.GetUtcNow();
            file.Keys.ForEach(k => k.RetiredAt ??= now);
            var created = AsymmetricSigningKey.Create(_options.Signing.Algorithm);
            file.Keys.Add(StoredKey.From(created, now));
            Write(file);
            AuditEvents.SigningKeyRotated(_logger, created.KeyId, created.Algorithm, now);
        }

        return Build(file);
    }

    private KeyRing Build(KeyFile file)
    {
        var now = _clock.GetUtcNow();
        var lifetime = _options.AccessTokenLifetime;
        var live = file.Keys.Where(k => k.RetiredAt is null || k.RetiredAt + lifetime > now).ToList();
        var current = live.Last(k => k.RetiredAt is null);
        var signer = AsymmetricSigningKey.Import(current.Algorithm, Convert.FromBase64String(current.PrivateKeyPkcs8));
        var published = live.Select(k => k == current ? signer.PublicKey : AsymmetricSigningKey.Import(k.Algorithm, Convert.FromBase64String(k.PrivateKeyPkcs8)).PublicKey).ToList();

        // Re-read when the next retired key drops out of the published set.
        var validUntil = live.Where(k => k.RetiredAt is not null).Select(k => k.RetiredAt!.Value + lifetime).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        return new KeyRing(signer, published, validUntil);
    }

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
        var directory = Path.GetDirectoryName(Path.GetFullPath(_path))!;
        Directory.CreateDirectory(directory);
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

        public DateTimeOffset? RetiredAt { get; set; }

        public static StoredKey From(AsymmetricSigningKey key, DateTimeOffset now) => new()
        {
            KeyId = key.KeyId,
            Algorithm = key.Algorithm,
            PrivateKeyPkcs8 = Convert.ToBase64String(key.ExportPkcs8()),
            CreatedAt = now,
        };
    }
}
