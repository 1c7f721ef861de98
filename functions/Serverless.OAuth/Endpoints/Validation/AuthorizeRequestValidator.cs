using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Endpoints.Validation;

/// <summary>
/// Validates an authorization request one named rule at a time. The client and the redirect URI are verified first;
/// until both are, every error is shown on a page. After that, errors go back to the client by redirect.
/// </summary>
public sealed class AuthorizeRequestValidator(ClientDirectory clients, IApiStore apis, IdTokenHintValidator idTokenHints, OAuthServerOptions options)
{
    public async Task<OAuthResult<AuthorizationRequest>> ValidateAsync(OAuthParameters parameters, CancellationToken cancellationToken)
    {
        // Until the client and the redirect URI are verified, every error is shown on a page (RFC 6749 §4.1.2.1).
        var verified = await ValidateClientIdAsync(parameters, cancellationToken);
        if (!verified.Succeeded)
        {
            return verified.Error;
        }

        var client = verified.Value;
        if (ValidateRedirectUri(parameters, client) is not { } redirectUri)
        {
            return RedirectUriError(parameters, client);
        }

        var state = parameters.IsRepeated("state") ? null : parameters["state"];

        // The response mode first: every later error is answered in it. An unusable one is answered in the default.
        var responseMode = ValidateResponseMode(parameters, redirectUri);
        if (!responseMode.Succeeded)
        {
            return responseMode.Error.RedirectedTo(redirectUri, state);
        }

        var mode = responseMode.Value;
        var error = ValidateStructure(parameters)
            ?? ValidateResponseType(parameters)
            ?? ValidateGrantAllowed(client)
            ?? ValidatePkce(parameters, client);
        if (error is not null)
        {
            return error.RedirectedTo(redirectUri, state, mode);
        }

        var authorized = await ValidateScopeAndResourcesAsync(parameters, client, cancellationToken);
        if (!authorized.Succeeded)
        {
            return authorized.Error.RedirectedTo(redirectUri, state, mode);
        }

        var prompt = Prompt.Parse(parameters["prompt"]);
        if (!prompt.Succeeded)
        {
            return prompt.Error.RedirectedTo(redirectUri, state, mode);
        }

        var maxAge = ValidateMaxAge(parameters);
        if (!maxAge.Succeeded)
        {
            return maxAge.Error.RedirectedTo(redirectUri, state, mode);
        }

        if (ValidateDpopJkt(parameters) is { } dpopJktError)
        {
            return dpopJktError.RedirectedTo(redirectUri, state, mode);
        }

        var hint = await ValidateIdTokenHintAsync(parameters, client, cancellationToken);
        if (!hint.Succeeded)
        {
            return hint.Error.RedirectedTo(redirectUri, state, mode);
        }

        return new AuthorizationRequest(client, redirectUri, authorized.Value.Scope, state, parameters["code_challenge"], authorized.Value.Resources)
        {
            Prompt = prompt.Value,
            MaxAge = maxAge.Value.Age,
            LoginHint = parameters["login_hint"],
            DomainHint = parameters["domain_hint"],
            IdTokenHint = hint.Value.Hint,
            // A nonce is optional in the code flow (OpenID Connect Core §3.1.2.1); when sent, it is bound to the code.
            Nonce = parameters["nonce"],
            DpopJkt = parameters["dpop_jkt"],
            ResponseMode = mode,
        };
    }

    /// <summary>max_age: a non-negative number of seconds (OpenID Connect Core §3.1.2.1).</summary>
    private static OAuthResult<MaxAgeValue> ValidateMaxAge(OAuthParameters parameters) =>
        parameters["max_age"] switch
        {
            null => new MaxAgeValue(null),
            var text when text.All(char.IsAsciiDigit) && text.Length <= 9 => new MaxAgeValue(TimeSpan.FromSeconds(int.Parse(text, System.Globalization.CultureInfo.InvariantCulture))),
            _ => OAuthError.InvalidRequest("The 'max_age' parameter must be a number of seconds."),
        };

    private sealed record MaxAgeValue(TimeSpan? Age);

    /// <summary>dpop_jkt (RFC 9449 §10): the base64url SHA-256 thumbprint of a key, 43 characters.</summary>
    private static OAuthError? ValidateDpopJkt(OAuthParameters parameters) =>
        parameters["dpop_jkt"] is not { } jkt || (jkt.Length == 43 && jkt.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            ? null
            : OAuthError.InvalidRequest("The 'dpop_jkt' parameter must be a JWK SHA-256 thumbprint (RFC 7638), base64url.");

    /// <summary>
    /// id_token_hint (OpenID Connect Core §3.1.2.1): an unexpired ID token of this server, issued to this client. Whether
    /// it names the signed-in user is the interaction's question (a different user needs the password).
    /// </summary>
    private async Task<OAuthResult<HintValue>> ValidateIdTokenHintAsync(OAuthParameters parameters, OAuthClient client, CancellationToken cancellationToken)
    {
        if (parameters["id_token_hint"] is not { } raw)
        {
            return new HintValue(null);
        }

        var hint = await idTokenHints.ValidateAsync(raw, acceptExpired: false, cancellationToken);
        if (!hint.Succeeded)
        {
            return hint.Error;
        }

        return hint.Value.IsFor(client.ClientId)
            ? new HintValue(hint.Value)
            : OAuthError.InvalidRequest("The 'id_token_hint' was issued to another client.");
    }

    private sealed record HintValue(IdTokenHint? Hint);

    private async Task<OAuthResult<OAuthClient>> ValidateClientIdAsync(OAuthParameters parameters, CancellationToken cancellationToken)
    {
        if (parameters.IsRepeated("client_id"))
        {
            return OAuthError.InvalidRequest("The 'client_id' parameter is repeated.");
        }

        var clientId = parameters["client_id"];
        if (clientId is null)
        {
            return OAuthError.InvalidRequest("The 'client_id' parameter is missing.");
        }

        return await clients.FindAsync(clientId, cancellationToken);
    }

    /// <summary>The redirect URI, when it is sent once and registered for the client; exact string comparison, no normalisation.</summary>
    private static string? ValidateRedirectUri(OAuthParameters parameters, OAuthClient client) =>
        !parameters.IsRepeated("redirect_uri") && parameters["redirect_uri"] is { } redirectUri && client.HasRedirectUri(redirectUri)
            ? redirectUri
            : null;

    /// <summary>Why the redirect URI cannot be used: shown to the user, never sent anywhere.</summary>
    private static OAuthError RedirectUriError(OAuthParameters parameters, OAuthClient client) =>
        parameters.IsRepeated("redirect_uri") ? OAuthError.InvalidRequest("The 'redirect_uri' parameter is repeated.")
        : parameters["redirect_uri"] is null ? OAuthError.InvalidRequest("The 'redirect_uri' parameter is missing.")
        : OAuthError.InvalidRequest("The 'redirect_uri' is not registered for this client.");

    /// <summary>
    /// response_mode (OAuth 2.0 Multiple Response Type Encoding Practices §2.1): query (the default) or form_post, which
    /// posts to the redirect URI from the browser, so only to an http(s) one. "fragment" is not for the code flow.
    /// </summary>
    private static OAuthResult<ResponseMode> ValidateResponseMode(OAuthParameters parameters, string redirectUri)
    {
        if (parameters.IsRepeated("response_mode"))
        {
            return OAuthError.InvalidRequest("The 'response_mode' parameter is repeated.");
        }

        return parameters["response_mode"] switch
        {
            null or ResponseModes.Query => ResponseMode.Query,
            ResponseModes.FormPost when redirectUri.StartsWith("https://", StringComparison.Ordinal) || redirectUri.StartsWith("http://", StringComparison.Ordinal) =>
                ResponseMode.FormPost,
            ResponseModes.FormPost => OAuthError.InvalidRequest("response_mode=form_post needs an http or https redirect URI."),
            _ => OAuthError.InvalidRequest($"Supported response modes: {string.Join(", ", ResponseModes.Supported)}."),
        };
    }

    private static OAuthError? ValidateStructure(OAuthParameters parameters) => parameters.StructuralError;

    private static OAuthError? ValidateResponseType(OAuthParameters parameters) => parameters["response_type"] switch
    {
        null => OAuthError.InvalidRequest("The 'response_type' parameter is missing."),
        "code" => null,
        _ => OAuthError.UnsupportedResponseType("Only response_type=code is supported."),
    };

    private static OAuthError? ValidateGrantAllowed(OAuthClient client) =>
        client.Allows(GrantTypes.AuthorizationCode)
            ? null
            : OAuthError.UnauthorizedClient("The client may not use the authorization code grant.");

    private static OAuthError? ValidatePkce(OAuthParameters parameters, OAuthClient client)
    {
        var challenge = parameters["code_challenge"];
        var method = parameters["code_challenge_method"];
        if (challenge is null)
        {
            if (method is not null)
            {
                return OAuthError.InvalidRequest("'code_challenge_method' was sent without 'code_challenge'.");
            }

            return client.IsPublic
                ? OAuthError.InvalidRequest("Public clients must use PKCE: 'code_challenge' is missing.")
                : null;
        }

        // RFC 7636 §4.3: a missing method means "plain", which this server does not support.
        if (method != Pkce.S256)
        {
            return OAuthError.InvalidRequest("'code_challenge_method' must be S256.");
        }

        return Pkce.IsValidChallenge(challenge)
            ? null
            : OAuthError.InvalidRequest("'code_challenge' must be the 43-character base64url SHA-256 of the verifier.");
    }

    /// <summary>The scope (RFC 6749 §3.3) and the resources (RFC 8707 §2.1) the authorization is for.</summary>
    private async Task<OAuthResult<AuthorizedResources>> ValidateScopeAndResourcesAsync(
        OAuthParameters parameters, OAuthClient client, CancellationToken cancellationToken)
    {
        var requested = ScopeSet.Parse(parameters["scope"]);
        if (requested is null)
        {
            return OAuthError.InvalidScope("The 'scope' parameter is malformed.");
        }

        var catalog = await apis.GetCatalogAsync(cancellationToken);
        return ResourceSelection.ForAuthorization(catalog, client, parameters.All(ResourceSelection.Parameter), requested, [.. options.ServerScopes]);
    }
}
