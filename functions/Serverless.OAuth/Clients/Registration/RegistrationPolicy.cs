using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients.Registration;

/// <summary>How a client came to exist: the three doors of <see cref="ClientRegistration"/>.</summary>
public enum ClientOrigin
{
    /// <summary>An operator registered it with the admin tool: trusted as far as the operator said.</summary>
    Operator,

    /// <summary>It registered itself at /register (RFC 7591): anyone could have.</summary>
    DynamicRegistration,

    /// <summary>Its client_id is the URL of its Client ID Metadata Document: it is what that site says.</summary>
    MetadataDocument,
}

/// <summary>
/// The policy of one door of <see cref="ClientRegistration"/>, as data: what a client coming that way may register and
/// what it is given. The rules that hold for every client (redirect URIs, known scopes and grants, names) are in the
/// pipeline; what differs between the doors is here, so the three can be read side by side.
/// </summary>
public sealed record RegistrationPolicy
{
    public required ClientOrigin Origin { get; init; }

    /// <summary>The grants a client may register this way.</summary>
    public required IReadOnlyList<string> GrantTypes { get; init; }

    /// <summary>The token_endpoint_auth_method values a client may register this way ("none" for a public client).</summary>
    public required IReadOnlyList<string> AuthMethods { get; init; }

    /// <summary>The scopes a client may hold; null: any scope the server knows. With none asked for, it gets all of these.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>The APIs its tokens may be for (<see cref="OAuthClient.AllowedResources"/>); empty: every API open to it.</summary>
    public IReadOnlyList<string> Resources { get; init; } = [];

    /// <summary>Its default resource when the request names none.</summary>
    public string? DefaultResource { get; init; }

    /// <summary>How long it lives unless a user authorizes it (then it is extended); null: until removed.</summary>
    public TimeSpan? UnusedLifetime { get; init; }

    /// <summary>
    /// Whether registering the refresh_token grant is asking to stay signed in without offline_access
    /// (<see cref="OAuthClient.RefreshWithoutOfflineAccess"/>). Operators say it with a flag instead.
    /// </summary>
    public bool RefreshTokenGrantKeepsSignedIn { get; init; }

    /// <summary>Whether its name must differ from every operator-registered client's, so it cannot pass as one of them.</summary>
    public bool NameMustNotBeAnOperatorClients { get; init; }

    /// <summary>The admin tool: everything the server supports; what is not said takes the defaults.</summary>
    public static RegistrationPolicy Operator() => new()
    {
        Origin = ClientOrigin.Operator,
        GrantTypes = Protocol.GrantTypes.All,
        AuthMethods = [ClientRegistration.AuthNone, ClientRegistration.AuthSecretBasic, ClientRegistration.AuthSecretPost, ClientRegistration.AuthPrivateKeyJwt],
    };

    /// <summary>RFC 7591 /register: the code grant (with refresh), secrets when allowed, the self-registration scopes and APIs, an expiry.</summary>
    public static RegistrationPolicy DynamicRegistration(OAuthServerOptions options, ApiCatalog apis) => SelfRegistered(options, apis) with
    {
        Origin = ClientOrigin.DynamicRegistration,
        AuthMethods = options.DynamicRegistration.AllowConfidentialClients
            ? [ClientRegistration.AuthNone, ClientRegistration.AuthSecretBasic, ClientRegistration.AuthSecretPost, ClientRegistration.AuthPrivateKeyJwt]
            : [ClientRegistration.AuthNone],
        UnusedLifetime = options.DynamicRegistration.UnusedLifetime,
    };

    /// <summary>
    /// Client ID Metadata Documents: like /register, but no secrets (a document cannot share one): public clients, or
    /// clients that prove themselves with the keys at their jwks_uri; nothing stored.
    /// </summary>
    public static RegistrationPolicy MetadataDocument(OAuthServerOptions options, ApiCatalog apis) => SelfRegistered(options, apis) with
    {
        Origin = ClientOrigin.MetadataDocument,
        AuthMethods = [ClientRegistration.AuthNone, ClientRegistration.AuthPrivateKeyJwt],
    };

    /// <summary>
    /// What a client that registers itself may hold: the scopes of the APIs <see cref="DynamicRegistrationOptions.Resources"/>
    /// names (all APIs when it names none) and the server's own scopes, narrowed to <see cref="DynamicRegistrationOptions.Scopes"/>
    /// when set; tokens for those APIs only (and the server's UserInfo), not for every API open to all clients; and,
    /// when one API is named, that API as its default resource.
    /// </summary>
    private static RegistrationPolicy SelfRegistered(OAuthServerOptions options, ApiCatalog apis)
    {
        var policy = options.DynamicRegistration;
        var fromApis = apis.All
            .Where(api => policy.Resources.Count == 0 || policy.Resources.Contains(api.Identifier, ResourceIndicator.Comparer))
            .SelectMany(api => api.Scopes.Select(s => s.Name));
        var all = options.ServerScopes.Concat(fromApis).Distinct(StringComparer.Ordinal);
        return new RegistrationPolicy
        {
            Origin = ClientOrigin.DynamicRegistration,
            GrantTypes = [Protocol.GrantTypes.AuthorizationCode, Protocol.GrantTypes.RefreshToken],
            AuthMethods = [ClientRegistration.AuthNone],
            Scopes = [.. policy.Scopes.Count == 0 ? all : all.Where(s => policy.Scopes.Contains(s, StringComparer.Ordinal))],
            Resources = [.. policy.Resources],
            DefaultResource = policy.Resources is [var only] ? only : null,
            RefreshTokenGrantKeepsSignedIn = true,
            NameMustNotBeAnOperatorClients = true,
        };
    }

    /// <summary>Whether a scope value only names scopes this door gives.</summary>
    internal bool AllowsScope(ScopeSet scope) => Scopes is null || scope.IsSubsetOf(Scopes);
}
