using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Endpoints.Validation;

/// <summary>
/// An authorization request that passed every rule (RFC 6749 §4.1.1, RFC 7636 §4.3, RFC 8707 §2.1, OpenID Connect Core
/// §3.1.2.1). <see cref="Resources"/> are the identifiers of the APIs it covers.
/// </summary>
public sealed record AuthorizationRequest(
    OAuthClient Client,
    string RedirectUri,
    ScopeSet Scope,
    string? State,
    string? CodeChallenge,
    IReadOnlyList<string> Resources)
{
    /// <summary>The relying party's nonce (OpenID Connect Core §3.1.2.1), bound to the code and returned in the ID token.</summary>
    public string? Nonce { get; init; }

    /// <summary>The thumbprint of the DPoP key the code may be redeemed with (RFC 9449 §10), when the client sent dpop_jkt.</summary>
    public string? DpopJkt { get; init; }

    /// <summary>How the response reaches the client: the redirect URI's query, or a form post (OAuth 2.0 Form Post Response Mode).</summary>
    public ResponseMode ResponseMode { get; init; }

    /// <summary>Whether the user may, or must, see a page (OpenID Connect Core §3.1.2.1).</summary>
    public Prompt Prompt { get; init; } = Prompt.Unspecified;

    /// <summary>The longest time since the user typed the password that the client accepts; older sessions sign in again.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>The username the client expects; it pre-fills the sign-in form, nothing more.</summary>
    public string? LoginHint { get; init; }

    /// <summary>Which organisation's identity provider the client expects the user to sign in with (e.g. "contoso.com").</summary>
    public string? DomainHint { get; init; }

    /// <summary>An ID token this server issued to the client, naming the user the client expects to be signed in.</summary>
    public IdTokenHint? IdTokenHint { get; init; }

    /// <summary>
    /// Set when the request was pushed (RFC 9126): its request_uri, taken from storage, which the sign-in page carries
    /// instead of the parameters, and the browser binding it was continued with.
    /// </summary>
    public PushedRequestClaim? Pushed { get; init; }

    /// <summary>An error for this request, answered to its verified redirect URI in its response mode (RFC 6749 §4.1.2.1).</summary>
    public OAuthError Redirected(OAuthError error) => error.RedirectedTo(RedirectUri, State, ResponseMode);

    /// <summary>The parameters the login form carries back, so the POST is validated exactly like the GET.</summary>
    public IEnumerable<(string Name, string Value)> FormFields()
    {
        // A pushed request's parameters stay on the server: the page carries its request_uri, read again on the POST.
        if (Pushed is not null)
        {
            yield return ("client_id", Client.ClientId);
            yield return ("request_uri", Pushed.RequestUri);
            yield break;
        }

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

        if (Nonce is not null)
        {
            yield return ("nonce", Nonce);
        }

        if (DpopJkt is not null)
        {
            yield return ("dpop_jkt", DpopJkt);
        }

        if (ResponseMode != ResponseMode.Query)
        {
            yield return ("response_mode", ResponseModes.Name(ResponseMode));
        }

        if (!Prompt.IsUnspecified)
        {
            yield return ("prompt", Prompt.ToString());
        }

        if (MaxAge is { } maxAge)
        {
            yield return ("max_age", ((long)maxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (LoginHint is not null)
        {
            yield return ("login_hint", LoginHint);
        }

        if (DomainHint is not null)
        {
            yield return ("domain_hint", DomainHint);
        }

        if (IdTokenHint is not null)
        {
            yield return ("id_token_hint", IdTokenHint.Raw);
        }
    }
}

