namespace Serverless.OAuth.Infrastructure.Signing;

/// <summary>
/// The server's signing keys: one provider per algorithm (<see cref="Options.SigningOptions.Algorithms"/>), each with
/// its own keys under the shared <see cref="KeyLifecycle"/>. Access tokens are signed in the configured algorithm; ID
/// tokens in RS256 unless the client registered ES256 (OpenID Connect Discovery §3 requires RS256 to be available).
/// The JWKS publishes the keys of every algorithm.
/// </summary>
public sealed class SigningKeyRing(IReadOnlyDictionary<string, ISigningKeyProvider> providers) : IDisposable
{
    private Published? _published;

    public IReadOnlyCollection<string> Algorithms => (IReadOnlyCollection<string>)providers.Keys;

    /// <summary>The provider of one algorithm; the ring holds every algorithm the options allow, and no other.</summary>
    public ISigningKeyProvider For(string algorithm) =>
        providers.TryGetValue(algorithm, out var provider)
            ? provider
            : throw new ArgumentException($"No {algorithm} signing key is configured.", nameof(algorithm));

    /// <summary>
    /// Every published key of every algorithm. The same list object is answered while no provider's list changed,
    /// so that a validator can cache what it built from it.
    /// </summary>
    public async ValueTask<IReadOnlyList<PublicJsonWebKey>> GetPublicKeysAsync(CancellationToken cancellationToken)
    {
        var parts = new IReadOnlyList<PublicJsonWebKey>[providers.Count];
        var i = 0;
        foreach (var provider in providers.Values)
        {
            parts[i++] = await provider.GetPublicKeysAsync(cancellationToken);
        }

        if (_published is { } last && last.Parts.SequenceEqual(parts, ReferenceEqualityComparer.Instance))
        {
            return last.Keys;
        }

        var published = new Published(parts, [.. parts.SelectMany(p => p)]);
        _published = published;
        return published.Keys;
    }

    /// <summary>Makes a new key of every algorithm; the old ones stay published until their tokens have expired.</summary>
    public async Task<IReadOnlyList<PublicJsonWebKey>> RotateAsync(CancellationToken cancellationToken)
    {
        var created = new List<PublicJsonWebKey>(providers.Count);
        foreach (var provider in providers.Values)
        {
            created.Add(await provider.RotateAsync(cancellationToken));
        }

        return created;
    }

    public void Dispose()
    {
        foreach (var provider in providers.Values.OfType<IDisposable>())
        {
            provider.Dispose();
        }
    }

    private sealed record Published(IReadOnlyList<PublicJsonWebKey>[] Parts, IReadOnlyList<PublicJsonWebKey> Keys);
}
