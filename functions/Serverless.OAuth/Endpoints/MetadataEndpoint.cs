using Serverless.OAuth.Clients;
using Serverless.OAuth.Options;
using Serverless.OAuth.Signing;

namespace Serverless.OAuth.Endpoints;

/// <summary>RFC 8414 metadata, advertising exactly what is implemented, and the JWKS (RFC 7517).</summary>
public sealed class MetadataEndpoint(OAuthServerOptions options, ISigningKeyProvider keys)
{
    private Dictionary<string, object>? _metadata;

    public EndpointResult Metadata() => new JsonResult(_metadata ??= Build(), NoStore: false, CacheControl: "public, max-age=3600");

    public async Task<EndpointResult> JwksAsync(CancellationToken cancellationToken)
    {
        var published = await keys.GetPublicKeysAsync(cancellationToken);
        return new JsonResult(new { keys = published }, NoStore: false, CacheControl: "public, max-age=300");
    }

    private Dictionary<string, object> Build()
    {
        var issuer = options.Issuer.TrimEnd('/');
        string[] clientAuth = ["client_secret_basic", "client_secret_post"];
        return new Dictionary<string, object>
        {
            ["issuer"] = options.Issuer,
            ["authorization_endpoint"] = issuer + "/authorize",
            ["token_endpoint"] = issuer + "/token",
            ["jwks_uri"] = issuer + "/.well-known/jwks.json",
            ["revocation_endpoint"] = issuer + "/revoke",
            ["introspection_endpoint"] = issuer + "/introspect",
            ["scopes_supported"] = options.Scopes.Keys.ToArray(),
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "query" },
            ["grant_types_supported"] = GrantTypes.All,
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post", "none" },
            ["revocation_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post", "none" },
            ["introspection_endpoint_auth_methods_supported"] = clientAuth,
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["authorization_response_iss_parameter_supported"] = true,
            ["service_documentation"] = issuer + "/",
        };
    }
}
