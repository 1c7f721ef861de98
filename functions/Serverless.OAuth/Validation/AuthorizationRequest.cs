using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Validation;

/// <summary>
/// An authorization request that passed every rule (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 8707 §2.1). <see cref="Resources"/>
/// are the identifiers of the APIs it covers.
/// </summary>
public sealed record AuthorizationRequest(
    OAuthClient Client,
    string RedirectUri,
    ScopeSet Scope,
    string? State,
    string? CodeChallenge,
    IReadOnlyList<string> Resources)
{
    /// <summary>The parameters the login form carries back, so the POST is validated exactly like the GET.</summary>
    public IEnumerable<(string Name, string Value)> FormFields()
    {
        yield return ("response_type", "code");
        yield return ("client_id", Client.ClientId);
        yield return ("redirect_uri", RedirectUri);
        yield return ("scope", Scope.ToString());
        if (State is not null)
        {
            yield return ("state", State);
        }

        if (CodeChallenge is not null)
        {
            yield return ("code_challenge", CodeChallenge);
            yield return ("code_challenge_method", Pkce.S256);
        }

        foreach (var resource in Resources)
        {
            yield return ("resource", resource);
        }
    }
}

