using System.Text.RegularExpressions;

namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>What kind of identity provider an upstream is: how it is found, and which claim is its users' stable key.</summary>
public enum UpstreamKind
{
    /// <summary>Any OpenID Provider, found by its issuer's discovery document; the stable key is iss + sub.</summary>
    OpenIdConnect,

    /// <summary>Microsoft Entra ID (v2.0 endpoints): one tenant, a list of tenants, or any organisation; the key is tid + oid.</summary>
    Entra,

    /// <summary>GitHub (OAuth 2.0, no OpenID Connect): the user and e-mail APIs say who signed in; the key is the numeric user id.</summary>
    GitHub,
}

/// <summary>Who may get an account on their first sign-in through a provider (just-in-time creation).</summary>
public enum UpstreamSignUp
{
    /// <summary>Anyone the provider signs in (for Entra: of an allowed tenant).</summary>
    Open,

    /// <summary>Only users whose e-mail address the provider verified (email_verified true) in one of AllowedEmailDomains.</summary>
    AllowedEmailDomains,

    /// <summary>No one: only identities already linked to an account (by an administrator) sign in.</summary>
    InvitedOnly,
}

/// <summary>Sign-in through identity providers the users already have (section "OAuth:Upstream").</summary>
public sealed class UpstreamOptions
{
    /// <summary>Provider names are path segments (/signin/{name}/callback) and table keys: lower-case letters, digits and '-'.</summary>
    public static readonly Regex NamePattern = new("^[a-z0-9][a-z0-9-]{0,31}$", RegexOptions.CultureInvariant);

    /// <summary>The providers, by name (e.g. OAuth:Upstream:Providers:entra:Kind = Entra); one without a ClientId is off.</summary>
    public Dictionary<string, UpstreamProviderOptions> Providers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The providers that are on: those with a ClientId.</summary>
    public IEnumerable<KeyValuePair<string, UpstreamProviderOptions>> Enabled => Providers.Where(p => p.Value.IsEnabled);

    /// <summary>How long a user has to finish signing in at the provider before the answer is refused.</summary>
    public TimeSpan SignInLifetime { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<string> Validate()
    {
        if (SignInLifetime <= TimeSpan.Zero || SignInLifetime > TimeSpan.FromHours(1))
        {
            yield return "OAuth:Upstream:SignInLifetime must be between 0 and 1 hour.";
        }

        foreach (var (name, provider) in Providers.Where(p => p.Value.IsEnabled))
        {
            if (!NamePattern.IsMatch(name))
            {
                yield return $"OAuth:Upstream:Providers:{name}: a provider's name is 1 to 32 lower-case letters, digits or '-'.";
                continue;
            }

            foreach (var problem in provider.Validate($"OAuth:Upstream:Providers:{name}"))
            {
                yield return problem;
            }
        }
    }
}

/// <summary>One upstream identity provider.</summary>
public sealed class UpstreamProviderOptions
{
    /// <summary>The "common"-free tenant that holds personal Microsoft accounts: never an organisation.</summary>
    public const string PersonalAccountsTenant = "9188040d-6c67-4c5b-b112-36a304b66dad";

    public const string AnyOrganization = "organizations";

    public UpstreamKind Kind { get; set; } = UpstreamKind.OpenIdConnect;

    /// <summary>The button's words: "Sign in with {DisplayName}".</summary>
    public string? DisplayName { get; set; }

    /// <summary>OpenIdConnect: the issuer URL; its discovery document is {Issuer}/.well-known/openid-configuration.</summary>
    public string? Issuer { get; set; }

    /// <summary>Entra: the directory (tenant) id, or "organizations" for any organisation (limited by <see cref="AllowedTenants"/>).</summary>
    public string? Tenant { get; set; }

    /// <summary>
    /// Entra with Tenant "organizations": the tenant ids whose users may sign in; empty allows every organisation. An
    /// entry may hold several ids separated by commas (one app setting from a deployment's list).
    /// </summary>
    public List<string> AllowedTenants { get; set; } = [];

    private IEnumerable<string> AllowedTenantIds =>
        AllowedTenants.SelectMany(entry => entry.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Entra: the cloud's sign-in host (Azure Government and China have their own).</summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com/";

    /// <summary>
    /// The client id this server has at the provider (Entra: the app registration's Application (client) ID). Empty
    /// turns the provider off: the deployment sets the Entra provider's settings always, and its client id only when
    /// Entra sign-in is wanted.
    /// </summary>
    public string? ClientId { get; set; }

    public bool IsEnabled => !string.IsNullOrWhiteSpace(ClientId);

    /// <summary>
    /// The client secret (locally from user secrets or local.settings.json; in Azure a Key Vault reference as the app
    /// setting). Not needed for Entra when <see cref="ManagedIdentityClientId"/> is set.
    /// </summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// Entra in Azure: the client id of the Function App's user-assigned managed identity, registered as a federated
    /// identity credential of the app registration. Its token for api://AzureADTokenExchange is the client assertion,
    /// so there is no secret to store or rotate.
    /// </summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>The scopes asked of the provider (default "openid profile email"; GitHub: "read:user user:email").</summary>
    public string? Scope { get; set; }

    public string EffectiveScope => Scope is { Length: > 0 } scope ? scope : Kind == UpstreamKind.GitHub ? "read:user user:email" : "openid profile email";

    /// <summary>GitHub: the REST API's base (GitHub Enterprise Server: https://{host}/api/v3/).</summary>
    public string GitHubApi { get; set; } = "https://api.github.com/";

    public UpstreamSignUp SignUp { get; set; } = UpstreamSignUp.Open;

    /// <summary>With SignUp AllowedEmailDomains: the domains (e.g. "contoso.com") whose verified addresses get an account.</summary>
    public List<string> AllowedEmailDomains { get; set; } = [];

    /// <summary>
    /// The provider's own "acr" values that mean multi-factor authentication, besides the standard ones
    /// (<c>UpstreamProvider.MultiFactorAcrs</c>): a sign-in with one of them carries "mfa" in this server's amr.
    /// </summary>
    public List<string> MultiFactorAcrValues { get; set; } = [];

    /// <summary>A client's domain_hint (or a login_hint in one of these domains) goes straight to this provider, without the choice page.</summary>
    public List<string> DomainHints { get; set; } = [];

    /// <summary>Entra: whether the issuer is the "{tenantid}" template of the multi-tenant endpoints.</summary>
    public bool IsAnyOrganization => Kind == UpstreamKind.Entra && string.Equals(Tenant, AnyOrganization, StringComparison.OrdinalIgnoreCase);

    /// <summary>GitHub: the web host of its sign-in pages (Issuer; default https://github.com).</summary>
    public string GitHubHost => Issuer is { Length: > 0 } host ? host : "https://github.com";

    /// <summary>Where the discovery document is (none for GitHub).</summary>
    public Uri MetadataAddress => Kind switch
    {
        UpstreamKind.Entra => new Uri(new Uri(Instance.TrimEnd('/') + "/"), $"{Tenant}/v2.0/.well-known/openid-configuration"),
        _ => new Uri(Issuer!.TrimEnd('/') + "/.well-known/openid-configuration"),
    };

    /// <summary>Whether a user of the tenant <paramref name="tenantId"/> may sign in through this (Entra) provider.</summary>
    public bool AllowsTenant(string? tenantId) =>
        tenantId is { Length: > 0 } && (IsAnyOrganization
            ? tenantId != PersonalAccountsTenant && (!AllowedTenantIds.Any() || AllowedTenantIds.Contains(tenantId, StringComparer.OrdinalIgnoreCase))
            : string.Equals(tenantId, Tenant, StringComparison.OrdinalIgnoreCase));

    internal IEnumerable<string> Validate(string path)
    {
        if (string.IsNullOrEmpty(ClientSecret) && (Kind != UpstreamKind.Entra || string.IsNullOrEmpty(ManagedIdentityClientId)))
        {
            yield return $"{path} needs ClientSecret" + (Kind == UpstreamKind.Entra ? " or ManagedIdentityClientId." : ".");
        }

        if (Kind != UpstreamKind.GitHub && !EffectiveScope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("openid"))
        {
            yield return $"{path}:Scope must include openid.";
        }

        if (Kind == UpstreamKind.OpenIdConnect)
        {
            if (CheckUrl(Issuer) is { } problem)
            {
                yield return $"{path}:Issuer {problem}";
            }
        }
        else if (Kind == UpstreamKind.GitHub)
        {
            if (CheckUrl(GitHubHost) is { } problem)
            {
                yield return $"{path}:Issuer {problem}";
            }

            if (CheckUrl(GitHubApi) is { } apiProblem)
            {
                yield return $"{path}:GitHubApi {apiProblem}";
            }
        }
        else
        {
            if (CheckUrl(Instance) is { } problem)
            {
                yield return $"{path}:Instance {problem}";
            }

            if (!IsAnyOrganization && !Guid.TryParse(Tenant, out _))
            {
                yield return $"{path}:Tenant must be a directory (tenant) id or \"organizations\" (\"common\" and \"consumers\" would let personal accounts in).";
            }

            if (AllowedTenantIds.Any(t => !Guid.TryParse(t, out _)))
            {
                yield return $"{path}:AllowedTenants must be directory (tenant) ids.";
            }

            if (!IsAnyOrganization && AllowedTenantIds.Any())
            {
                yield return $"{path}:AllowedTenants applies only with Tenant \"organizations\".";
            }
        }

        if (SignUp == UpstreamSignUp.AllowedEmailDomains && AllowedEmailDomains.Count == 0)
        {
            yield return $"{path}:AllowedEmailDomains is required with SignUp AllowedEmailDomains.";
        }
    }

    /// <summary>https, or http for a loopback host only (a provider on the developer's own machine or in a test).</summary>
    private static string? CheckUrl(string? value) =>
        !Uri.TryCreate(value, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)
            ? "must be an absolute URL without query or fragment."
            : uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback)
                ? "must use https (http is allowed only for a loopback host)."
                : null;
}

/// <summary>The server's own accounts (section "OAuth:LocalAccounts").</summary>
public sealed class LocalAccountsOptions
{
    /// <summary>Whether the sign-in page offers the username and password form; false leaves the upstream providers only.</summary>
    public bool Enabled { get; set; } = true;
}
