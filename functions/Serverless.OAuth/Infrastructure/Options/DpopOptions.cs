namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// DPoP, sender-constrained tokens (RFC 9449; section "OAuth:Dpop"). A client that sends a proof gets a bound token
/// whatever these say; they set how fresh a proof must be and whether a server nonce is required.
/// </summary>
public sealed class DpopOptions
{
    /// <summary>How old a proof's <c>iat</c> may be when it arrives (RFC 9449 §11.1): its <c>jti</c> is remembered that long.</summary>
    public TimeSpan ProofLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Tolerated difference between the client's clock and the server's, either way, for a proof's <c>iat</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Require a server-provided nonce in every proof (RFC 9449 §8, §9): a proof without a current one is answered
    /// <c>use_dpop_nonce</c> with a fresh nonce in the <c>DPoP-Nonce</c> header. Needs <see cref="NonceKey"/>.
    /// </summary>
    public bool RequireNonce { get; set; }

    /// <summary>
    /// The secret every instance shares to make and check nonces (base64, at least 32 bytes): a nonce is an HMAC of the
    /// current time step under it, so any instance accepts a nonce another issued, and no instance keeps any state.
    /// Changing it only makes clients retry once with a new nonce.
    /// </summary>
    public string? NonceKey { get; set; }

    /// <summary>How long one nonce is issued for; a nonce of the step before is still accepted, so it lives one to two steps.</summary>
    public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<string> Validate()
    {
        if (ProofLifetime <= TimeSpan.Zero || ProofLifetime > TimeSpan.FromMinutes(10))
        {
            yield return "OAuth:Dpop:ProofLifetime must be positive and at most 10 minutes.";
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
        {
            yield return "OAuth:Dpop:ClockSkew must be between 0 and 5 minutes.";
        }

        if (NonceLifetime < TimeSpan.FromSeconds(10) || NonceLifetime > TimeSpan.FromHours(1))
        {
            yield return "OAuth:Dpop:NonceLifetime must be between 10 seconds and 1 hour.";
        }

        if (RequireNonce && NonceKeyBytes() is null)
        {
            yield return "OAuth:Dpop:RequireNonce needs OAuth:Dpop:NonceKey: base64 of at least 32 random bytes, the same on every instance.";
        }
    }

    /// <summary>The nonce key's bytes, or null when it is missing, not base64 or shorter than 32 bytes.</summary>
    public byte[]? NonceKeyBytes()
    {
        if (string.IsNullOrEmpty(NonceKey))
        {
            return null;
        }

        try
        {
            var bytes = Convert.FromBase64String(NonceKey);
            return bytes.Length >= 32 ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
