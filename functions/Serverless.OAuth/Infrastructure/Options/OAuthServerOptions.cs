namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// Everything the server reads from configuration (section "OAuth"). Defaults are the safe ones; <see cref="Validate"/>
/// runs at start-up so a bad setting stops the host instead of surfacing as a 500 on the first request.
/// </summary>
public sealed class OAuthServerOptions
{
    public const string SectionName = "OAuth";

    /// <summary>The issuer identifier (RFC 8414): an https URL without query or fragment; http only for localhost.</summary>
    public string Issuer { get; set; } = "http://localhost:7071";

    /// <summary>The identifier of the demo resource's API (its tokens' aud). Defaults to "{Issuer}/resource".</summary>
    public string? Audience { get; set; }

    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A refresh token family dies when unused for this long (sliding).</summary>
    public TimeSpan RefreshTokenIdleLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>A refresh token family dies this long after the user signed in, however often it is used.</summary>
    public TimeSpan RefreshTokenAbsoluteLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A rotated refresh token presented again within this window returns the same successor instead of revoking the
    /// family, so that concurrent or retried refreshes of one token do not log the user out. Zero disables it.
    /// </summary>
    public TimeSpan RefreshTokenReuseGraceWindow { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A sign-in session ends when unused for this long. It slides with use, renewed at most once per
    /// <see cref="Sessions.SessionLifetime.RenewalFraction"/> of it, so a busy session costs no write per request.
    /// </summary>
    public TimeSpan SessionIdleLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>A sign-in session ends this long after the password was typed, however often it is used.</summary>
    public TimeSpan SessionAbsoluteLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a user's consent to a client's scopes is remembered; asked again only for what is new.</summary>
    public TimeSpan ConsentLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How long a verified client secret is remembered in memory, so that PBKDF2 runs once per client, not per request.</summary>
    public TimeSpan ClientCacheLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The most client lookups an instance keeps in memory, known clients and unknown ids together; unknown ids are
    /// evicted first. A few megabytes at the default.
    /// </summary>
    public int ClientCacheSize { get; set; } = 10_000;

    /// <summary>
    /// The server's own scopes, which belong to no API (offline_access; the identity scopes), with the words the
    /// consent page uses for them. APIs' scopes are in the API registry (Apis/ApiStore).
    /// </summary>
    public Dictionary<string, string> Scopes { get; set; } = new(StringComparer.Ordinal)
    {
        [Protocol.ScopeSet.OfflineAccess] = "Stay signed in: the app may refresh its access without asking you again",
    };

    /// <summary>The server's own scopes: the OpenID Connect scopes it defines, and the configured ones (<see cref="Scopes"/>).</summary>
    public IEnumerable<string> ServerScopes => Protocol.IdentityScopes.Descriptions.Keys.Concat(Scopes.Keys);

    /// <summary>What the consent page says one of the server's own scopes lets the app do; null for any other scope.</summary>
    public string? DescribeServerScope(string scope) =>
        Protocol.IdentityScopes.Descriptions.GetValueOrDefault(scope) ?? Scopes.GetValueOrDefault(scope);

    public StorageOptions Storage { get; set; } = new();

    public SigningOptions Signing { get; set; } = new();

    public LockoutOptions Lockout { get; set; } = new();

    public DynamicRegistrationOptions DynamicRegistration { get; set; } = new();

    public ClientMetadataDocumentOptions ClientMetadataDocuments { get; set; } = new();

    public ClientAssertionOptions ClientAssertions { get; set; } = new();

    public JwtBearerGrantOptions JwtBearer { get; set; } = new();

    /// <summary>DPoP proofs and sender-constrained tokens (RFC 9449).</summary>
    public DpopOptions Dpop { get; set; } = new();
    /// <summary>Pushed authorization requests (RFC 9126): the request_uri's life, and whether every client must push.</summary>
    public PushedAuthorizationOptions PushedAuthorization { get; set; } = new();
    /// <summary>The device authorization grant (RFC 8628; section "OAuth:DeviceAuthorization").</summary>
    public DeviceAuthorizationOptions DeviceAuthorization { get; set; } = new();

    /// <summary>Identity providers users sign in with (Entra ID, any OpenID Provider).</summary>
    public UpstreamOptions Upstream { get; set; } = new();

    public LocalAccountsOptions LocalAccounts { get; set; } = new();

    /// <summary>
    /// The throttle on failed sign-ins and client authentications per client address (an IPv4 address, or an IPv6
    /// /64), against one source trying one password across many accounts. Looser than the per-account lockout,
    /// since many people may share an address.
    /// </summary>
    public LockoutOptions AddressLockout { get; set; } = new()
    {
        MaxFailures = 30,
        FailureWindow = TimeSpan.FromMinutes(15),
        LockDuration = TimeSpan.FromMinutes(15),
        MaxLockDuration = TimeSpan.FromHours(1),
    };

    /// <summary>
    /// Which X-Forwarded-For entry is the client's address, counted from the right, for the per-address throttle.
    /// 0 (the default) ignores the header and takes the connection's address: in Azure Functions that is already the
    /// entry the Functions front end appended (the worker's ASP.NET Core integration applies the forwarded headers
    /// from the host, and takes that entry out of the header), and a host reached directly has no proxy to trust.
    /// Set 1 for each further proxy in front (Azure Front Door, Application Gateway) that appends its client's address.
    /// </summary>
    public int ForwardedForHops { get; set; }

    /// <summary>Seeds the demo client and demo user at start-up; only ever honoured in the Development environment.</summary>
    public bool SeedDemoData { get; set; }

    public string EffectiveAudience => string.IsNullOrEmpty(Audience) ? Issuer.TrimEnd('/') + "/resource" : Audience;

    public IEnumerable<string> Validate()
    {
        if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) || !string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment))
        {
            yield return "OAuth:Issuer must be an absolute URL without query or fragment.";
        }
        else if (issuer.Scheme != Uri.UriSchemeHttps && !issuer.IsLoopback)
        {
            yield return "OAuth:Issuer must use https (http is allowed only for localhost).";
        }

        if (AuthorizationCodeLifetime <= TimeSpan.Zero || AuthorizationCodeLifetime > TimeSpan.FromMinutes(10))
        {
            yield return "OAuth:AuthorizationCodeLifetime must be between 0 and 10 minutes (RFC 6749 §4.1.2).";
        }

        if (AccessTokenLifetime <= TimeSpan.Zero)
        {
            yield return "OAuth:AccessTokenLifetime must be positive.";
        }

        if (RefreshTokenIdleLifetime <= TimeSpan.Zero || RefreshTokenAbsoluteLifetime < RefreshTokenIdleLifetime)
        {
            yield return "OAuth:RefreshTokenIdleLifetime must be positive and no longer than RefreshTokenAbsoluteLifetime.";
        }

        if (RefreshTokenReuseGraceWindow < TimeSpan.Zero || RefreshTokenReuseGraceWindow > TimeSpan.FromMinutes(1))
        {
            yield return "OAuth:RefreshTokenReuseGraceWindow must be between 0 and 1 minute.";
        }

        if (SessionIdleLifetime <= TimeSpan.Zero || SessionAbsoluteLifetime < SessionIdleLifetime)
        {
            yield return "OAuth:SessionIdleLifetime must be positive and no longer than OAuth:SessionAbsoluteLifetime.";
        }

        if (ConsentLifetime <= TimeSpan.Zero)
        {
            yield return "OAuth:ConsentLifetime must be positive.";
        }

        if (ClientCacheLifetime <= TimeSpan.Zero || ClientCacheSize < 1)
        {
            yield return "OAuth:ClientCacheLifetime must be positive and OAuth:ClientCacheSize at least 1.";
        }

        foreach (var scope in Scopes.Keys)
        {
            if (!Protocol.ScopeSet.IsValidToken(scope))
            {
                yield return $"OAuth:Scopes has an invalid scope name '{scope}'.";
            }
            else if (Protocol.IdentityScopes.Contains(scope))
            {
                yield return $"OAuth:Scopes may not define '{scope}': the OpenID Connect scopes are the server's own.";
            }
        }

        if (string.IsNullOrEmpty(Storage.ConnectionString) && Storage.TableServiceUri is null)
        {
            yield return "OAuth:Storage needs ConnectionString or TableServiceUri.";
        }

        if (Storage.GrantAccounts.Count >= StorageOptions.MaxGrantAccounts)
        {
            yield return $"OAuth:Storage:GrantAccounts takes at most {StorageOptions.MaxGrantAccounts - 1} accounts.";
        }

        // Blank entries are unused slots (the Bicep sets four), and only at the end: the others' positions are their numbers.
        var grantAccounts = Enumerable.Reverse(Storage.GrantAccounts).SkipWhile(string.IsNullOrWhiteSpace).Reverse().ToList();
        foreach (var endpoint in grantAccounts)
        {
            if (!endpoint.Contains('=', StringComparison.Ordinal)
                && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
            {
                yield return "OAuth:Storage:GrantAccounts takes table endpoints (https://account.table.core.windows.net) or connection strings, blank only at the end.";
            }
        }

        if (Storage.ExpiryIndexShards is < 1 or > StorageOptions.MaxExpiryIndexShards)
        {
            yield return $"OAuth:Storage:ExpiryIndexShards must be between 1 and {StorageOptions.MaxExpiryIndexShards}.";
        }

        if (!LocalAccounts.Enabled && !Upstream.Enabled.Any())
        {
            yield return "OAuth:LocalAccounts:Enabled is false and no OAuth:Upstream:Providers are configured: no one could sign in.";
        }

        foreach (var problem in DynamicRegistration.Validate().Concat(ClientMetadataDocuments.Validate()).Concat(ClientAssertions.Validate()).Concat(JwtBearer.Validate()).Concat(Dpop.Validate()).Concat(DeviceAuthorization.Validate()).Concat(Upstream.Validate()).Concat(PushedAuthorization.Validate()))
        {
            yield return problem;
        }

        foreach (var (name, lockout) in new[] { ("Lockout", Lockout), ("AddressLockout", AddressLockout), ("DynamicRegistration:RateLimit", DynamicRegistration.RateLimit) })
        {
            if (lockout.MaxFailures < 1 || lockout.FailureWindow <= TimeSpan.Zero || lockout.LockDuration <= TimeSpan.Zero || lockout.MaxLockDuration < lockout.LockDuration)
            {
                yield return $"OAuth:{name} needs MaxFailures >= 1, a positive FailureWindow and 0 < LockDuration <= MaxLockDuration.";
            }
        }

        if (ForwardedForHops is < 0 or > 16)
        {
            yield return "OAuth:ForwardedForHops must be between 0 and 16.";
        }

        foreach (var problem in Signing.Validate())
        {
            yield return problem;
        }
    }
}
