namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// The JWT-bearer grant (RFC 7523 §2.1; section "OAuth:JwtBearer"): identity providers whose signed assertions about a
/// user a client may exchange for an access token, as the MCP enterprise-managed authorization extension does with the
/// organisation's IdP. Empty (the default): the grant is refused.
/// </summary>
public sealed class JwtBearerGrantOptions
{
    public List<TrustedAssertionIssuer> Issuers { get; set; } = [];

    public IEnumerable<string> Validate()
    {
        foreach (var (issuer, i) in Issuers.Select((issuer, i) => (issuer, i)))
        {
            if (!Uri.TryCreate(issuer.Issuer, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                yield return $"OAuth:JwtBearer:Issuers:{i}:Issuer must be an https URL without query or fragment.";
            }

            if (issuer.Clients.Any(c => !Protocol.ClientIds.IsValid(c)))
            {
                yield return $"OAuth:JwtBearer:Issuers:{i}:Clients has an invalid client_id.";
            }
        }
    }
}

/// <summary>One identity provider trusted for the JWT-bearer grant; its keys come from its OpenID discovery document.</summary>
public sealed class TrustedAssertionIssuer
{
    /// <summary>Its issuer identifier (https), exactly as its assertions' <c>iss</c> and its discovery document say.</summary>
    public string Issuer { get; set; } = "";

    /// <summary>The <c>aud</c> its assertions carry; null: this server's issuer or token endpoint.</summary>
    public string? Audience { get; set; }

    /// <summary>The clients that may present its assertions; empty: any client registered for the grant.</summary>
    public List<string> Clients { get; set; } = [];
}
