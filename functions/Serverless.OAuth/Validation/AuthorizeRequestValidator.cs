using Serverless.OAuth.Clients;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Validation;

/// <summary>
/// Validates an authorization request one named rule at a time. The client and the redirect URI are verified first;
/// until both are, every error is shown on a page. After that, errors go back to the client by redirect.
/// </summary>
public sealed class AuthorizeRequestValidator(ClientStore clients, OAuthServerOptions options)
{
    public async Task<(AuthorizationRequest? Request, AuthorizationError? Error)> ValidateAsync(
        OAuthParameters parameters, CancellationToken cancellationToken)
    {
        var (client, clientError) = await ValidateClientIdAsync(parameters, cancellationToken);
        if (client is null)
        {
            return (null, clientError);
        }

        if (ValidateRedirectUri(parameters, client) is { } redirectError)
        {
            return (null, redirectError);
        }

        var redirectUri = parameters["redirect_uri"]!;
        var state = parameters.IsRepeated("state") ? null : parameters["state"];
        var error = ValidateStructure(parameters)
            ?? ValidateResponseType(parameters)
            ?? ValidateGrantAllowed(client)
            ?? ValidatePkce(parameters, client);
        if (error is not null)
        {
            return (null, new AuthorizationError(error, redirectUri, state));
        }

        var (scope, scopeError) = ValidateScope(parameters, client);
        if (scopeError is not null)
        {
            return (null, new AuthorizationError(scopeError, redirectUri, state));
        }

        return (new AuthorizationRequest(client, redirectUri, scope!, state, parameters["code_challenge"]), null);
    }

    private async Task<(OAuthClient? Client, AuthorizationError? Error)> ValidateClientIdAsync(OAuthParameters parameters, CancellationToken cancellationToken)
    {
        if (parameters.IsRepeated("client_id"))
        {
            return (null, Page(OAuthError.InvalidRequest("The 'client_id' parameter is repeated.")));
        }

        var clientId = parameters["client_id"];
        if (clientId is null)
        {
            return (null, Page(OAuthError.InvalidRequest("The 'client_id' parameter is missing.")));
        }

        var client = await clients.FindAsync(clientId, cancellationToken);
        return client is null
            ? (null, Page(OAuthError.InvalidClient("The client is not registered with this server.")))
            : (client, null);
    }

    private static AuthorizationError? ValidateRedirectUri(OAuthParameters parameters, OAuthClient client)
    {
        // RFC 6749 §4.1.2.1: with a doubtful redirect URI the user is told, never redirected.
        if (parameters.IsRepeated("redirect_uri"))
        {
            return Page(OAuthError.InvalidRequest("The 'redirect_uri' parameter is repeated."));
        }

        // Exact string comparison with a registered URI: no normalisation of case, ports, slashes or queries.
        var redirectUri = parameters["redirect_uri"];
        if (redirectUri is null)
        {
            return Page(OAuthError.InvalidRequest("The 'redirect_uri' parameter is missing."));
        }

        return client.HasRedirectUri(redirectUri)
            ? null
            : Page(OAuthError.InvalidRequest("The 'redirect_uri' is not registered for this client."));
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

    private (ScopeSet? Scope, OAuthError? Error) ValidateScope(OAuthParameters parameters, OAuthClient client)
    {
        var requested = ScopeSet.Parse(parameters["scope"]);
        if (requested is null)
        {
            return (null, OAuthError.InvalidScope("The 'scope' parameter is malformed."));
        }

        // No scope asked: the client's registered scopes are the default (RFC 6749 §3.3).
        var scope = requested.IsEmpty ? ScopeSet.From(client.AllowedScopes) : requested;
        if (!scope.IsSubsetOf(options.Scopes.Keys) || !scope.IsSubsetOf(client.AllowedScopes))
        {
            return (null, OAuthError.InvalidScope("A requested scope is unknown or not allowed for this client."));
        }

        return (scope, null);
    }

    private static AuthorizationError Page(OAuthError error) => new(error, null, null);
}
