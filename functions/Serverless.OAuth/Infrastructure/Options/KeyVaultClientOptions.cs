using Azure.Core;

namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// The HTTP pipeline of <see cref="Signing.KeyVault.KeyVaultKeysClient"/>: Azure.Core's retry policy (which honours 429 Retry-After),
/// transport and diagnostics. Retries are few and short by default: a client waiting on a token is better served by a
/// fast 503 than a slow one.
/// </summary>
public sealed class KeyVaultClientOptions : ClientOptions
{
    /// <summary>
    /// The Key Vault data-plane API version every request is pinned to, a GA version, so the shapes read here never
    /// change under the server. The keys operations used here (get, list versions, create, rotate, sign, wrapkey,
    /// unwrapkey) have had the same shapes since 7.3.
    /// </summary>
    public const string ApiVersion = "2025-07-01";

    /// <summary>The token scope for Azure public cloud vaults, used until the vault's 401 challenge names its own resource.</summary>
    public const string DefaultScope = "https://vault.azure.net/.default";

    public KeyVaultClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 3;
        Retry.Delay = TimeSpan.FromMilliseconds(200);
        Retry.MaxDelay = TimeSpan.FromSeconds(2);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        Diagnostics.IsLoggingContentEnabled = false;
        Diagnostics.IsTelemetryEnabled = false;
    }

    /// <summary>
    /// Checks that the resource a 401 challenge names is the vault's own domain (e.g. vault.azure.net for
    /// myvault.vault.azure.net) before asking for a token for it, so a spoofed endpoint cannot obtain a token for
    /// another resource. Only a test stand-in on 127.0.0.1 turns this off: the options validation refuses false at
    /// start-up unless OAuth:Signing:KeyVaultUri is a loopback address.
    /// </summary>
    public bool VerifyChallengeResource { get; set; } = true;
}
