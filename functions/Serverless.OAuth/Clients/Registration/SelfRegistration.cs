using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients.Registration;

/// <summary>
/// The two doors of <see cref="ClientRegistration"/> through which a client registers itself, RFC 7591 /register and
/// Client ID Metadata Documents, share their metadata (<see cref="ClientMetadataReader"/>): this turns it into a
/// registration request, and a refusal into words for the client's developer.
/// </summary>
public static class SelfRegistration
{
    /// <param name="authMethodWhenUnsaid">RFC 7591 §2 makes client_secret_basic the default; a metadata document describes a public client.</param>
    public static ClientRegistrationRequest Request(ClientMetadata metadata, string clientId, string defaultName, string authMethodWhenUnsaid)
    {
        var authMethod = metadata.TokenEndpointAuthMethod ?? authMethodWhenUnsaid;
        return new ClientRegistrationRequest(
            clientId,
            metadata.ClientName ?? defaultName,
            authMethod == ClientRegistration.AuthNone ? ClientType.Public : ClientType.Confidential,
            metadata.RedirectUris,
            metadata.Scope,
            metadata.GrantTypes,
            PostLogoutRedirectUris: metadata.PostLogoutRedirectUris,
            Jwks: metadata.Jwks,
            JwksUri: metadata.JwksUri,
            TokenEndpointAuthMethod: authMethod,
            DpopBoundAccessTokens: metadata.DpopBoundAccessTokens,
            RequirePushedAuthorizationRequests: metadata.RequirePushedAuthorizationRequests);
    }

    /// <summary>The RFC 7591 §3.2.2 error for a refused registration: a redirect URI at fault has its own code, whatever else is wrong.</summary>
    public static OAuthError Error(IReadOnlyList<ClientRegistrationProblem> problems)
    {
        var problem = problems.FirstOrDefault(p => p.Kind is ClientRegistrationProblemKind.InvalidRedirectUri) ?? problems[0];
        return problem.Kind is ClientRegistrationProblemKind.InvalidRedirectUri
            ? OAuthError.InvalidRedirectUri(Describe(problem))
            : OAuthError.InvalidClientMetadata(Describe(problem));
    }

    /// <summary>One problem in the words of client metadata (RFC 7591 §2 field names).</summary>
    public static string Describe(ClientRegistrationProblem problem) => problem.Kind switch
    {
        ClientRegistrationProblemKind.InvalidRedirectUri => problem.Detail ?? $"'{problem.Value}' cannot be a redirect URI",
        ClientRegistrationProblemKind.MissingRedirectUri => "'redirect_uris' must list at least one redirect URI",
        ClientRegistrationProblemKind.UnsafeName => "'client_name' may not contain control, bidirectional-override or invisible characters",
        ClientRegistrationProblemKind.NameTaken => $"'client_name' \"{problem.Value}\" is the name of an app this server's operator registered; choose your own",
        ClientRegistrationProblemKind.MissingName => "'client_name' is empty",
        ClientRegistrationProblemKind.UnknownScope or ClientRegistrationProblemKind.ScopeNotAllowed or ClientRegistrationProblemKind.MalformedScope =>
            "its scope names a scope this server does not have, or does not give to clients that register themselves",
        ClientRegistrationProblemKind.GrantNotAllowed or ClientRegistrationProblemKind.UnknownGrant =>
            $"the grant type '{problem.Value}' cannot be registered; use authorization_code, with refresh_token if needed",
        ClientRegistrationProblemKind.AuthMethodNotAllowed => $"'token_endpoint_auth_method' \"{problem.Value}\" is not accepted here",
        _ => $"the registration is not acceptable ({problem.Kind}{(problem.Value is null ? "" : ": " + problem.Value)})",
    };
}
