using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients.Assertions;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Endpoints.Dpop;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// The metadata, advertising exactly what is implemented: RFC 8414 at /.well-known/oauth-authorization-server, and
/// OpenID Connect Discovery 1.0 at /.well-known/openid-configuration built from it; and the JWKS (RFC 7517).
/// </summary>
public sealed class MetadataEndpoint(OAuthServerOptions options, SigningKeyRing keys, IApiStore apis)
{
    /// <summary>The standard claims the server can release: in the ID token, and at UserInfo by scope (Core §5.4).</summary>
    public static readonly IReadOnlyList<string> ClaimsSupported =
    [
        "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "amr", "sid",
        .. UserInfoClaims.ProfileClaims, .. UserInfoClaims.EmailClaims,
    ];

    private BuiltMetadata? _built;

    public async Task<EndpointResult> MetadataAsync(CancellationToken cancellationToken) =>
        Cached((await BuiltAsync(cancellationToken)).Metadata);

    public async Task<EndpointResult> OpenIdConfigurationAsync(CancellationToken cancellationToken) =>
        Cached((await BuiltAsync(cancellationToken)).OpenIdConfiguration);

    public async Task<EndpointResult> JwksAsync(CancellationToken cancellationToken)
    {
        var published = await keys.GetPublicKeysAsync(cancellationToken);
        return new JsonBody(new JsonWebKeySet(published), NoStore: false, CacheControl: "public, max-age=300");
    }

    private static JsonBody Cached(object metadata) => new(metadata, NoStore: false, CacheControl: "public, max-age=3600");

    /// <summary>Both documents, built again only when the API registry changed (its scopes are in scopes_supported).</summary>
    private async Task<BuiltMetadata> BuiltAsync(CancellationToken cancellationToken)
    {
        var catalog = await apis.GetCatalogAsync(cancellationToken);
        if (_built is not { } built || !ReferenceEquals(built.Catalog, catalog))
        {
            var metadata = Build(catalog);
            built = new BuiltMetadata(catalog, metadata, new OpenIdProviderMetadata(metadata)
            {
                UserInfoEndpoint = options.Issuer.TrimEnd('/') + "/userinfo",
                SubjectTypesSupported = ["public"],
                IdTokenSigningAlgValuesSupported = options.Signing.Algorithms,
                ClaimsSupported = ClaimsSupported,
                EndSessionEndpoint = options.Issuer.TrimEnd('/') + "/endsession",
                PromptValuesSupported = Prompt.Supported,
            });
            _built = built;
        }

        return built;
    }

    private sealed record BuiltMetadata(ApiCatalog Catalog, AuthorizationServerMetadata Metadata, OpenIdProviderMetadata OpenIdConfiguration);

    private AuthorizationServerMetadata Build(ApiCatalog catalog)
    {
        var issuer = options.Issuer.TrimEnd('/');
        string[] clientAuth = [ClientCredentials.Basic, ClientCredentials.Post, ClientCredentials.PrivateKeyJwt];
        string[] clientAuthOrNone = [.. clientAuth, ClientCredentials.None];
        return new AuthorizationServerMetadata
        {
            Issuer = options.Issuer,
            AuthorizationEndpoint = issuer + "/authorize",
            TokenEndpoint = issuer + "/token",
            JwksUri = issuer + "/.well-known/jwks.json",
            RevocationEndpoint = issuer + "/revoke",
            IntrospectionEndpoint = issuer + "/introspect",
            ScopesSupported = [.. options.ServerScopes, .. catalog.ScopeNames],
            ResponseTypesSupported = ["code"],
            ResponseModesSupported = ResponseModes.Supported,
            GrantTypesSupported = GrantTypes.All,
            TokenEndpointAuthMethodsSupported = clientAuthOrNone,
            RevocationEndpointAuthMethodsSupported = clientAuthOrNone,
            IntrospectionEndpointAuthMethodsSupported = clientAuth,
            TokenEndpointAuthSigningAlgValuesSupported = ClientAssertionAuthenticator.Algorithms,
            RevocationEndpointAuthSigningAlgValuesSupported = ClientAssertionAuthenticator.Algorithms,
            IntrospectionEndpointAuthSigningAlgValuesSupported = ClientAssertionAuthenticator.Algorithms,
            CodeChallengeMethodsSupported = [Pkce.S256],
            AuthorizationResponseIssParameterSupported = true,
            ServiceDocumentation = issuer + "/",
            RegistrationEndpoint = options.DynamicRegistration.Enabled ? issuer + "/register" : null,
            ClientIdMetadataDocumentSupported = options.ClientMetadataDocuments.Enabled ? true : null,
            DpopSigningAlgValuesSupported = DpopProofValidator.Algorithms,
            PushedAuthorizationRequestEndpoint = issuer + "/par",
            RequirePushedAuthorizationRequests = options.PushedAuthorization.Required,
            DeviceAuthorizationEndpoint = issuer + DeviceAuthorizationEndpoint.Route,
        };
    }
}
