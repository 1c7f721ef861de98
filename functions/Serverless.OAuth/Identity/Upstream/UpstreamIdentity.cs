namespace Serverless.OAuth.Identity.Upstream;

/// <summary>
/// Who an upstream provider says the user is, from its validated ID token. <see cref="StableKey"/> is what the link to
/// a local account is keyed on: for Entra "{tid}/{oid}", otherwise "{iss}|{sub}"; never an e-mail address or a
/// username, which can change hands (the "nOAuth" takeover). The profile is refreshed from it at every sign-in.
/// </summary>
public sealed record UpstreamIdentity(string Provider, string StableKey)
{
    public string? Name { get; init; }

    public string? Email { get; init; }

    public bool EmailVerified { get; init; }

    /// <summary>Entra's directory (tenant) id.</summary>
    public string? TenantId { get; init; }

    /// <summary>How the provider authenticated the user (RFC 8176 values it sent), carried into this server's ID tokens.</summary>
    public IReadOnlyList<string> Amr { get; init; } = [];

    /// <summary>The provider's own words for the user, for the page ("Signed in as ..."): e-mail, name or preferred_username.</summary>
    public string? Label { get; init; }
}
