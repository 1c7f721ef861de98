namespace Serverless.OAuth.Infrastructure.Signing;

/// <summary>A key that signs JWTs: local, in Key Vault, or unwrapped from Key Vault.</summary>
public interface ISigningKey
{
    /// <summary>The JWT "kid"; always published in JWKS while tokens signed by this key can be live.</summary>
    string KeyId { get; }

    /// <summary>"ES256" or "RS256".</summary>
    string Algorithm { get; }

    /// <summary>
    /// Signs a SHA-256 digest. ES256 answers the 64-byte R||S form JWS uses (RFC 7518 §3.4), RS256 a PKCS#1 v1.5 signature.
    /// Throws <see cref="Protocol.DependencyUnavailableException"/> when a remote signer cannot be reached.
    /// </summary>
    ValueTask<byte[]> SignDigestAsync(byte[] digest, CancellationToken cancellationToken);
}

/// <summary>The keys of one signing mode: the current signer, and every public key that can still verify a live token.</summary>
public interface ISigningKeyProvider
{
    ValueTask<ISigningKey> GetSigningKeyAsync(CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<PublicJsonWebKey>> GetPublicKeysAsync(CancellationToken cancellationToken);

    /// <summary>Makes a new current key; the old one stays published until every token it signed has expired.</summary>
    Task<PublicJsonWebKey> RotateAsync(CancellationToken cancellationToken);
}
