namespace Serverless.OAuth.Signing.KeyVault;

/// <summary>What the Key Vault signing modes add to <see cref="Options.SigningOptions"/>; the defaults suit production.</summary>
public sealed class KeyVaultSigningOptions
{
    /// <summary>
    /// How long an instance trusts its cached view of the keys, and so how long a new key is published before any
    /// instance signs with it: every instance (and any resource server caching the JWKS for its max-age of 5 minutes)
    /// knows a key before the first token it signed arrives.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Added to a retired key's publication, for clocks of resource servers that run a little behind.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    public KeyVaultClientOptions Client { get; set; } = new();
}
