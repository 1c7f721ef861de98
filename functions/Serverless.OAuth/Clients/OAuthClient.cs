namespace Serverless.OAuth.Clients;

public enum ClientType
{
    /// <summary>Cannot keep a secret (a browser or mobile app): authenticates with "none" and must use PKCE.</summary>
    Public,

    /// <summary>Has a secret: client_secret_basic or client_secret_post.</summary>
    Confidential,
}

public static class GrantTypes
{
    public const string AuthorizationCode = "authorization_code";
    public const string RefreshToken = "refresh_token";
    public const string ClientCredentials = "client_credentials";

    /// <summary>RFC 8693 token exchange.</summary>
    public const string TokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";

    /// <summary>RFC 7523 §2.1: a trusted identity provider's assertion about a user as the grant.</summary>
    public const string JwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    /// <summary>RFC 8628 §3.4: a device without a browser polls for the tokens while the user answers on another.</summary>
    public const string DeviceCode = "urn:ietf:params:oauth:grant-type:device_code";

    public static readonly IReadOnlyList<string> All = [AuthorizationCode, RefreshToken, ClientCredentials, TokenExchange, JwtBearer, DeviceCode];
}

/// <summary>A registered client. Redirect URIs are compared exactly, as registered (but see <see cref="RedirectUriMatch"/>).</summary>
public sealed record OAuthClient
{
    public required string ClientId { get; init; }

    public required string Name { get; init; }

    public required ClientType Type { get; init; }

    /// <summary>The secret's password hash (PBKDF2, ASP.NET Core Identity's format); null for public clients.</summary>
    public string? SecretHash { get; init; }

    public IReadOnlyList<string> RedirectUris { get; init; } = [];

    public IReadOnlyList<string> AllowedScopes { get; init; } = [];

    /// <summary>Where RP-initiated logout may send the user back to (RP-Initiated Logout 1.0 §3), matched exactly.</summary>
    public IReadOnlyList<string> PostLogoutRedirectUris { get; init; } = [];

    public IReadOnlyList<string> AllowedGrantTypes { get; init; } = [GrantTypes.AuthorizationCode];

    /// <summary>
    /// Opts out of the default, under which the authorization code grant issues a refresh token only when the user
    /// granted "offline_access": when true, an authorization that is not an OpenID Connect request (no "openid") gets
    /// one without it, and the consent page says the app stays signed in. Clients that register themselves (RFC 7591,
    /// Client ID Metadata Documents) have it when they register the refresh_token grant, as every MCP client does; an
    /// operator sets it with <c>--refresh-without-offline-access</c>.
    /// </summary>
    public bool RefreshWithoutOfflineAccess { get; init; }

    /// <summary>
    /// May introspect any access token (a resource server). Without it, a client introspects only tokens issued to
    /// itself; anything else is answered {"active": false} (RFC 7662 §4).
    /// </summary>
    public bool MayIntrospect { get; init; }

    /// <summary>
    /// When a dynamically registered client (RFC 7591) is deleted unless it is used; null for clients an operator
    /// registered, which live until removed.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>
    /// The Client ID Metadata Document this client was read from (its client_id, an https URL); null for registered
    /// clients. Such a client is known only by the site that publishes the document, which the consent page names.
    /// </summary>
    public Uri? MetadataDocument { get; init; }

    /// <summary>
    /// The API (its identifier) an authorization or token request is for when it names none and its scopes do not say
    /// (RFC 8707 leaves the default to the server). Null: the one API the client's scopes belong to, if only one.
    /// </summary>
    public string? DefaultResource { get; init; }

    /// <summary>
    /// The APIs (identifiers) this client may get access tokens for, beside the server's own UserInfo; empty: every API
    /// open to it. A client that registers itself gets the policy's list (<c>OAuth:DynamicRegistration:Resources</c>), so
    /// that it cannot name an API open to every client and get a token for it (RFC 8707 §2: invalid_target).
    /// </summary>
    public IReadOnlyList<string> AllowedResources { get; init; } = [];

    /// <summary>
    /// The algorithm of its ID tokens (OpenID Connect Dynamic Client Registration §2): ES256 or RS256; null takes the
    /// server's default, RS256.
    /// </summary>
    public string? IdTokenSignedResponseAlg { get; init; }

    /// <summary>
    /// The client's public keys for <c>private_key_jwt</c> (RFC 7523 §2.2, OpenID Connect Core §9): a JWK Set (RFC 7517
    /// §5) as registered, public asymmetric keys only. Null when it has none or publishes them at <see cref="JwksUri"/>.
    /// </summary>
    public string? Jwks { get; init; }

    /// <summary>Where the client publishes its JWK Set (an https URL), fetched under the metadata documents' SSRF rules.</summary>
    public string? JwksUri { get; init; }

    /// <summary>
    /// External issuers whose tokens this client authenticates with (workload identity federation): a managed
    /// identity's Entra ID token, a GitHub Actions workflow's token. Set by the operator only.
    /// </summary>
    public IReadOnlyList<FederatedCredential> FederatedCredentials { get; init; } = [];

    /// <summary>Whether the client authenticates with its own signed assertion (keys registered) rather than a secret.</summary>
    public bool HasKeys => Jwks is not null || JwksUri is not null;

    /// <summary>
    /// The one way this client authenticates at the token endpoint when it registered one (RFC 7591 §2:
    /// token_endpoint_auth_method): the others are refused. Null (operator-registered clients): any secret method for a
    /// confidential client, none for a public one.
    /// </summary>
    public string? TokenEndpointAuthMethod { get; init; }

    public bool IsPublic => Type == ClientType.Public;

    /// <summary>
    /// Whether the client registered itself (RFC 7591 or a metadata document) rather than an operator registering it:
    /// only such clients expire when unused, and only they are known by a document.
    /// </summary>
    public bool IsSelfRegistered => ExpiresAt is not null || MetadataDocument is not null;

    public bool Allows(string grantType) => AllowedGrantTypes.Contains(grantType, StringComparer.Ordinal);

    /// <summary>
    /// Whether an authorization code for this scope comes with a refresh token: the one rule, for the grant and the
    /// consent page. An OpenID Connect request (scope "openid") keeps OpenID Connect Core §11: offline_access asks for
    /// offline access, and without it there is none, whatever the client registered.
    /// </summary>
    public bool IssuesRefreshToken(Protocol.ScopeSet scope) =>
        Allows(GrantTypes.RefreshToken)
        && (scope.Contains(Protocol.ScopeSet.OfflineAccess) || (RefreshWithoutOfflineAccess && !scope.Contains(Protocol.IdentityScopes.OpenId)));

    public bool HasRedirectUri(string redirectUri) => RedirectUris.Any(registered => RedirectUriMatch.Matches(registered, redirectUri));

    public bool HasPostLogoutRedirectUri(string uri) => RedirectUriMatch.IsPrintableAscii(uri) && PostLogoutRedirectUris.Contains(uri, StringComparer.Ordinal);

    /// <summary>client_id values this server accepts: they are table keys, so a strict alphabet.</summary>
    public static bool IsValidClientId(string? clientId) =>
        clientId is { Length: > 0 and <= 64 } && clientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
