namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// RFC 7591 dynamic client registration at POST /register (section "OAuth:DynamicRegistration"). Off by default: anyone
/// who can reach the server may then add a client, so an operator turns it on knowingly (MCP clients need it, or
/// Client ID Metadata Documents).
/// </summary>
public sealed class DynamicRegistrationOptions
{
    public bool Enabled { get; set; }

    /// <summary>
    /// Whether a client may register as confidential (client_secret_basic or client_secret_post) and get a secret;
    /// when false only public clients (token_endpoint_auth_method "none", PKCE) are registered.
    /// </summary>
    public bool AllowConfidentialClients { get; set; } = true;

    /// <summary>
    /// The APIs (identifiers) a client that registers itself, here or by a Client ID Metadata Document, may hold scopes
    /// of and get access tokens for (any other is invalid_target, even one open to every client); with exactly one, it
    /// is also such a client's default resource. Empty (the default) means every API.
    /// </summary>
    public List<string> Resources { get; set; } = [];

    /// <summary>
    /// Narrows further: the only scopes such a client may hold (the server's own, such as offline_access, included).
    /// Empty (the default) means every scope of those APIs and of the server.
    /// </summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>
    /// A registration that no user authorizes within this time is deleted by the purge, so abandoned registrations do
    /// not pile up. Each authorization keeps the client at least as long as the grants it may issue.
    /// </summary>
    public TimeSpan UnusedLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Registrations per client address (an IPv4 address or an IPv6 /64): at most MaxFailures per FailureWindow, then refused for LockDuration.</summary>
    public LockoutOptions RateLimit { get; set; } = new()
    {
        MaxFailures = 10,
        FailureWindow = TimeSpan.FromHours(1),
        LockDuration = TimeSpan.FromHours(1),
        MaxLockDuration = TimeSpan.FromHours(1),
    };

    public IEnumerable<string> Validate()
    {
        if (UnusedLifetime <= TimeSpan.Zero)
        {
            yield return "OAuth:DynamicRegistration:UnusedLifetime must be positive.";
        }

        foreach (var resource in Resources.Where(r => Protocol.ResourceIndicator.Problem(r) is not null))
        {
            yield return $"OAuth:DynamicRegistration:Resources has '{resource}', which is not a resource identifier.";
        }
    }
}
