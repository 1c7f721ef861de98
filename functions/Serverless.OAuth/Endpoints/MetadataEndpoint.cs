using Serverless.OAuth.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Signing;

namespace Serverless.OAuth.Endpoints;

/// <summary>RFC 8414 metadata, advertising exactly what is implemented, and the JWKS (RFC 7517).</summary>
public sealed class MetadataEndpoint(OAuthServerOptions options, ISigningKeyProvider keys, IApiStore apis)
{
    private BuiltMetadata? _built;

    /// <summary>The metadata, built again only when the API registry changed (its scopes are in scopes_supported).</summary>
    public async Task<EndpointResult> MetadataAsync(CancellationToken cancellationToken)
    {
        var catalog = await apis.GetCatalogAsync(cancellationToken);
        if (_built is not { } built || !ReferenceEquals(built.Catalog, catalog))
        {
            built = new BuiltMetadata(catalog, Build(catalog));
            _built = built;
        }

        return new JsonBody(built.Metadata, NoStore: false, CacheControl: "public, max-age=3600");
    }

    public async Task<EndpointResult> JwksAsync(CancellationToken cancellationToken)
    {
        var published = await keys.GetPublicKeysAsync(cancellationToken);
        return new JsonBody(new JsonWebKeySet(published), NoStore: false, CacheControl: "public, max-age=300");
    }

    private sealed record BuiltMetadata(ApiCatalog Catalog, AuthorizationServerMetadata Metadata);

    private AuthorizationServerMetadata Build(ApiCatalog catalog)
    {
        var issuer = options.Issuer.TrimEnd('/');
        string[] clientAuth = ["client_secret_basic", "client_secret_post"];
        string[] clientAuthOrNone = [.. clientAuth, "none"];
        return new AuthorizationServerMetadata
        {
            Issuer = options.Issuer,
            AuthorizationEndpoint = issuer + "/authorize",
            TokenEndpoint = issuer + "/token",
            JwksUri = issuer + "/.well-known/jwks.json",
            RevocationEndpoint = issuer + "/revoke",
            IntrospectionEndpoint = issuer + "/introspect",
            ScopesSupported = [.. options.Scopes.Keys, .. catalog.All.SelectMany(api => api.Scopes.Select(s => s.Name))],
            ResponseTypesSupported = ["code"],
            ResponseModesSupported = ["query"],
            GrantTypesSupported = GrantTypes.All,
            TokenEndpointAuthMethodsSupported = clientAuthOrNone,
            RevocationEndpointAuthMethodsSupported = clientAuthOrNone,
            IntrospectionEndpointAuthMethodsSupported = clientAuth,
            CodeChallengeMethodsSupported = [Pkce.S256],
            AuthorizationResponseIssParameterSupported = true,
            ServiceDocumentation = issuer + "/",
            RegistrationEndpoint = options.DynamicRegistration.Enabled ? issuer + "/register" : null,
            ClientIdMetadataDocumentSupported = options.ClientMetadataDocuments.Enabled ? true : null,
        };
    }
}
