namespace Serverless.OAuth.Clients;

/// <summary>
/// One external identity a client may authenticate as (workload identity federation): a token from
/// <see cref="Issuer"/> (an OpenID Provider, its keys found by discovery) whose <c>sub</c> is exactly
/// <see cref="Subject"/> and whose <c>aud</c> is <see cref="Audience"/> (null: this server's issuer), presented as the
/// client's <c>client_assertion</c>. Examples: Entra ID (<c>https://login.microsoftonline.com/{tenant}/v2.0</c>, the
/// managed identity's object id, <c>api://AzureADTokenExchange</c>); GitHub Actions
/// (<c>https://token.actions.githubusercontent.com</c>, <c>repo:org/repo:ref:refs/heads/main</c>).
/// </summary>
public sealed record FederatedCredential(string Issuer, string Subject, string? Audience = null)
{
    /// <summary>Why the credential cannot be trusted as given, or null: an https issuer without query or fragment and a subject.</summary>
    public string? Problem()
    {
        if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) || issuer.Scheme != Uri.UriSchemeHttps || issuer.Query.Length > 0 || issuer.Fragment.Length > 0)
        {
            return $"The issuer '{Issuer}' must be an https URL without query or fragment.";
        }

        if (string.IsNullOrWhiteSpace(Subject))
        {
            return "The subject must not be empty.";
        }

        return Audience is { Length: 0 } ? "The audience must not be empty when given." : null;
    }
}
