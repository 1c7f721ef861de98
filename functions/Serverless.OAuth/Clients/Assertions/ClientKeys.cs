using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Clients.Assertions;

/// <summary>
/// The keys a client signs its assertions with: its registered JWK Set, or the one at its <c>jwks_uri</c>, fetched by
/// <see cref="MetadataDocumentFetcher"/> (https only, public addresses only, no redirects, size and time limits) and
/// kept as long as the answer's Cache-Control allows within the metadata documents' bounds. A key id the cached set
/// does not have fetches the set again once (the client rotated), at most once per
/// <see cref="ClientAssertionOptions.KeyRefetchInterval"/> per client.
/// </summary>
public sealed class ClientKeys(MetadataDocumentFetcher fetcher, OAuthServerOptions options, TimeProvider clock, ILogger<ClientKeys> logger)
{
    /// <summary>Bounded like the client cache: a set per client that uses jwks_uri.</summary>
    private const int MaxCached = 10_000;

    private readonly ConcurrentDictionary<string, CachedKeys> _cache = new(StringComparer.Ordinal);

    /// <summary>The client's keys, with <paramref name="keyId"/> among them if it can be found; null when none can be had.</summary>
    public async Task<IReadOnlyList<SecurityKey>?> GetAsync(OAuthClient client, string? keyId, CancellationToken cancellationToken)
    {
        if (client.Jwks is { } inline)
        {
            return ClientJwks.TryRead(inline, out var keys, out _) ? keys : null;
        }

        if (client.JwksUri is not { } jwksUri || !Uri.TryCreate(jwksUri, UriKind.Absolute, out var url))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var cacheKey = client.ClientId + "\n" + jwksUri;
        _cache.TryGetValue(cacheKey, out var cached);
        var fresh = cached is not null && cached.Until > now;
        var missing = keyId is not null && cached is not null && !cached.Keys.Any(k => k.KeyId == keyId);
        var mayRefetch = cached?.RefetchedAt is not { } refetchedAt || now - refetchedAt >= options.ClientAssertions.KeyRefetchInterval;
        if (fresh && !(missing && mayRefetch))
        {
            return cached!.Keys;
        }

        if (fresh)
        {
            // Counted before the fetch, so a failing site is not asked again on every assertion with a made-up key id.
            _cache[cacheKey] = cached! with { RefetchedAt = now };
        }

        var fetched = await fetcher.FetchAsync(url, cancellationToken);
        if (!fetched.Succeeded)
        {
            AssertionEvents.JwksUnavailable(logger, client.ClientId, fetched.Error.Description ?? "");
            return fresh ? cached!.Keys : null;
        }

        using var document = fetched.Value;
        if (!ClientJwks.TryRead(document.Json.RootElement.GetRawText(), out var fetchedKeys, out var problem))
        {
            AssertionEvents.JwksUnavailable(logger, client.ClientId, problem ?? "");
            return fresh ? cached!.Keys : null;
        }

        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }

        _cache[cacheKey] = new CachedKeys(fetchedKeys, fresh ? now : null, now + document.CacheFor);
        return fetchedKeys;
    }

    /// <param name="RefetchedAt">When the set was last fetched again for an unknown key id, before it was due.</param>
    private sealed record CachedKeys(IReadOnlyList<SecurityKey> Keys, DateTimeOffset? RefetchedAt, DateTimeOffset Until);
}
