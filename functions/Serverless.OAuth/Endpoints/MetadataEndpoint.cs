using Serverless.OAuth.Clients;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Signing;

namespace Serverless.OAuth.Endpoints;

/// <summary>RFC 8414 metadata, advertising exactly what is implemented, and the JWKS (RFC 7517).</summary>
public sealed class MetadataEndpoint(OAuthServerOptions options, ISigningKeyProvider keys)
{
    private AuthorizationServerMetadata? _metadata;

    public EndpointResult Metadata() => new JsonBody(_metadata ??= Build(), NoStore: false, CacheControl: "public, max-age=3600");

    public async Task<EndpointResult> JwksAsync(CancellationToken cancellationToken)
    {
        var published = await keys.GetPublicKeysAsync(cancellationToken);
        return new JsonBody(new JsonWebKeySet(published), NoStore: false, CacheControl: "public, max-age=300");
    }

    private AuthorizationServerMetadata Build()
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
            ScopesSupported = options.Scopes.Keys.ToArray(),
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
