using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Infrastructure.Signing;

/// <summary>
/// When a signing key is published, signs and leaves the JWKS: one policy for every key source. A new key is published
/// one <see cref="PropagationDelay"/> before it signs, so every instance (and every resource server caching the JWKS)
/// knows its kid before the first token it signed arrives; a key stays published until the last token it can have
/// signed has expired, plus <see cref="ClockSkew"/> for resource servers whose clocks run behind (RFC 7519 §4.1.4).
/// </summary>
public sealed class KeyLifecycle(TimeSpan propagationDelay, TimeSpan tokenLifetime, TimeSpan clockSkew)
{
    public static KeyLifecycle For(OAuthServerOptions options) =>
        new(options.Signing.KeyRefreshInterval, options.AccessTokenLifetime, options.Signing.ClockSkew);

    /// <summary>How long a key is published before it signs; also how long an instance trusts its view of the keys.</summary>
    public TimeSpan PropagationDelay => propagationDelay;

    public TimeSpan ClockSkew => clockSkew;

    /// <summary>How long a token signed now can be live, and be checked by a resource server whose clock runs behind.</summary>
    public TimeSpan TokenReach => tokenLifetime + clockSkew;

    /// <summary>When a key published at <paramref name="publishedAt"/> may sign.</summary>
    public DateTimeOffset ActivationOf(DateTimeOffset publishedAt) => publishedAt + propagationDelay;

    /// <summary>When a key that stopped signing at <paramref name="retiredAt"/> can leave the JWKS.</summary>
    public DateTimeOffset UnpublishOf(DateTimeOffset retiredAt) => retiredAt + TokenReach;

    /// <summary>Whether a key leaving the JWKS at <paramref name="unpublishAt"/> may still sign at <paramref name="now"/>.</summary>
    public bool CanSign(DateTimeOffset unpublishAt, DateTimeOffset now) => now + TokenReach <= unpublishAt;

    /// <summary>
    /// The ring of keys that succeed one another, given when each activates (in order): the signer is the one that
    /// activated last (the first one while none has, on a first start); each earlier key retired when its successor
    /// activated and stays published until <see cref="UnpublishOf"/>; later keys are published, waiting to sign.
    /// </summary>
    public KeyRingPlan Plan(IReadOnlyList<DateTimeOffset> activations, DateTimeOffset now)
    {
        if (activations.Count == 0)
        {
            throw new ArgumentException("A key ring needs at least one key.", nameof(activations));
        }

        var signer = 0;
        for (var i = 1; i < activations.Count; i++)
        {
            if (activations[i] < activations[i - 1])
            {
                throw new ArgumentException("Keys must be given in the order they activate.", nameof(activations));
            }

            if (activations[i] <= now)
            {
                signer = i;
            }
        }

        // The view is trusted for one propagation delay, and never past the next activation or unpublication.
        var validUntil = now + propagationDelay;
        var published = new List<int>(activations.Count);
        for (var i = 0; i < activations.Count; i++)
        {
            if (i < signer)
            {
                var unpublishAt = UnpublishOf(activations[i + 1]);
                if (unpublishAt <= now)
                {
                    continue;
                }

                validUntil = Min(validUntil, unpublishAt);
            }
            else if (i > signer)
            {
                validUntil = Min(validUntil, activations[i]);
            }

            published.Add(i);
        }

        return new KeyRingPlan(signer, published, validUntil);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}

/// <summary>Which key of a ring signs, which are published (indexes, in activation order), and until when this holds.</summary>
public sealed record KeyRingPlan(int Signer, IReadOnlyList<int> Published, DateTimeOffset ValidUntil);
