namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// The signing keys this instance has unwrapped, by partition: each is unwrapped once per process, then signs with no
/// Key Vault operation. Touched only by reloads and rotations, which the key ring's gate keeps one at a time.
/// </summary>
public sealed class UnwrappedKeyCache : IDisposable
{
    private readonly Dictionary<string, AsymmetricSigningKey> _keys = new(StringComparer.Ordinal);

    public bool TryGet(string partition, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out AsymmetricSigningKey key) =>
        _keys.TryGetValue(partition, out key);

    public void Add(string partition, AsymmetricSigningKey key) => _keys[partition] = key;

    /// <summary>Drops the keys whose rows are gone: they signed nothing still live, so no request holds them.</summary>
    public void RetainOnly(IReadOnlyList<WrappedSigningKeyEntity> rows)
    {
        foreach (var partition in _keys.Keys.Where(p => !rows.Any(r => r.PartitionKey == p)).ToList())
        {
            _keys.Remove(partition, out var key);
            key?.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }

        _keys.Clear();
    }
}
