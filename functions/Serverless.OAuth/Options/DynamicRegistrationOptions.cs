namespace Serverless.OAuth.Options;

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
    /// The scopes a registered client may hold; a registration asking for none gets all of these. Empty (the default)
    /// means every scope of the server.
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

    public IEnumerable<string> Validate(IReadOnlyDictionary<string, string> serverScopes)
    {
        if (UnusedLifetime <= TimeSpan.Zero)
        {
            yield return "OAuth:DynamicRegistration:UnusedLifetime must be positive.";
        }

        foreach (var scope in Scopes.Where(s => !serverScopes.ContainsKey(s)))
        {
            yield return $"OAuth:DynamicRegistration:Scopes names '{scope}', which is not one of OAuth:Scopes.";
        }
    }
}
