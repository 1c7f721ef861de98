using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Clients;

/// <summary>
/// Client secrets are stored with a password hash (PBKDF2). Verifying one costs tens of milliseconds by design, so a
/// secret verified once is remembered, as its SHA-256, for <see cref="OAuthServerOptions.ClientCacheLifetime"/> and
/// compared in constant time. Only successes are remembered: a wrong secret pays the full PBKDF2 every time.
/// Checks of the same secret for the same client at the same moment (a busy client on a cold instance, or just after
/// its secret fell out of memory) share one PBKDF2 run (<see cref="VerifyAsync"/>).
/// </summary>
public class ClientSecretVerifier(OAuthServerOptions options, TimeProvider clock)
{
    private static readonly PasswordHasher<OAuthClient> Hasher = new();
    private readonly ConcurrentDictionary<string, (string StoredHash, byte[] SecretDigest, DateTimeOffset Until)> _verified = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string ClientId, string StoredHash, string SecretDigest), Lazy<Task<bool>>> _inFlight = new();

    public static string HashSecret(string secret) => Hasher.HashPassword(null!, secret);

    /// <summary>True only when this exact secret was verified for this client recently; never runs PBKDF2.</summary>
    public virtual bool IsRemembered(OAuthClient client, string presentedSecret) =>
        TryRecall(client, out var known) && CryptographicOperations.FixedTimeEquals(known, Digest(presentedSecret));

    /// <summary>
    /// <see cref="Verify"/>, shared with every check of the same presented secret for the same client (and stored
    /// hash) already running: a burst runs PBKDF2 once, and each caller still compares its own secret's digest.
    /// </summary>
    public async Task<bool> VerifyAsync(OAuthClient client, string presentedSecret)
    {
        if (client.SecretHash is not { Length: > 0 } storedHash)
        {
            return false;
        }

        if (TryRecall(client, out var known))
        {
            return CryptographicOperations.FixedTimeEquals(known, Digest(presentedSecret));
        }

        var key = (client.ClientId, storedHash, Convert.ToBase64String(Digest(presentedSecret)));
        var run = _inFlight.GetOrAdd(key, _ => new Lazy<Task<bool>>(() => Task.Run(() => Verify(client, presentedSecret))));
        try
        {
            return await run.Value;
        }
        finally
        {
            _inFlight.TryRemove(KeyValuePair.Create(key, run));
        }
    }

    public virtual bool Verify(OAuthClient client, string presentedSecret)
    {
        if (client.SecretHash is not { Length: > 0 } storedHash)
        {
            return false;
        }

        var digest = Digest(presentedSecret);
        if (TryRecall(client, out var known))
        {
            return CryptographicOperations.FixedTimeEquals(known, digest);
        }

        var result = Hasher.VerifyHashedPassword(client, storedHash, presentedSecret);
        if (result == PasswordVerificationResult.Failed)
        {
            return false;
        }

        _verified[client.ClientId] = (storedHash, digest, clock.GetUtcNow() + options.ClientCacheLifetime);
        return true;
    }

    /// <summary>The digest of the secret verified for this client, while it is fresh and the stored hash unchanged.</summary>
    private bool TryRecall(OAuthClient client, out byte[] secretDigest)
    {
        secretDigest = [];
        if (client.SecretHash is not { Length: > 0 } storedHash
            || !_verified.TryGetValue(client.ClientId, out var known)
            || known.Until <= clock.GetUtcNow()
            || known.StoredHash != storedHash)
        {
            return false;
        }

        secretDigest = known.SecretDigest;
        return true;
    }

    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
