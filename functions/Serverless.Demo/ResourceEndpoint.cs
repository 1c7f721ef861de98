using Serverless.OAuth.Endpoints.Dpop;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.Demo;

/// <summary>
/// GET /resource: the demo protected resource (RFC 6750). No token: 401 with a bare Bearer challenge; an invalid,
/// expired or revoked token, or one for another API: 401 invalid_token; a token without the resource's scope: 403
/// insufficient_scope, naming the scope. Every challenge points at the resource's metadata (RFC 9728 §5.1), served at
/// <see cref="MetadataRoute"/>. It checks tokens with the core's validator, as a resource server beside the
/// authorization server would, for its own audience: the demo resource's API (<see cref="ApiSeed.DemoResource"/>).
/// </summary>
public sealed class ResourceEndpoint(ProtectedResource resource, IApiStore apis, OAuthServerOptions options)
{
    /// <summary>RFC 9728 §3.1: the well-known prefix inserted before the resource identifier's path ("/resource").</summary>
    public const string MetadataRoute = ".well-known/oauth-protected-resource/resource";

    /// <summary>The scope GET /resource requires.</summary>
    public const string RequiredScope = "read";

    private readonly string _metadataUrl = options.Issuer.TrimEnd('/') + "/" + MetadataRoute;

    /// <summary>The resource's public URL, which a DPoP proof names in htu (RFC 9449 §4.3): from the configured issuer, never the Host header.</summary>
    public string Url { get; } = options.Issuer.TrimEnd('/') + "/resource";

    public Task<EndpointResult> HandleAsync(ResourceRequest request, CancellationToken cancellationToken) =>
        resource.HandleAsync(request, options.EffectiveAudience, error => Challenge(error), token => Task.FromResult(Serve(token)), cancellationToken);

    private EndpointResult Serve(ValidatedAccessToken token)
    {
        if (ScopeSet.Parse(token.Scope)?.Contains(RequiredScope) != true)
        {
            return Challenge(OAuthError.InsufficientScope($"This resource needs the '{RequiredScope}' scope."), RequiredScope);
        }

        return new JsonBody(new ResourceResponse(
            $"Hello, {token.Subject}. Your access token is valid.", token.Subject, token.ClientId, token.Scope, token.ExpiresAt.ToUnixTimeSeconds()));
    }

    /// <summary>GET /.well-known/oauth-protected-resource/resource: RFC 9728 §3.2, with the scopes the registry has for the demo API.</summary>
    public async Task<EndpointResult> MetadataAsync(CancellationToken cancellationToken)
    {
        var api = (await apis.GetCatalogAsync(cancellationToken)).Find(options.EffectiveAudience);
        return new JsonBody(
            new ProtectedResourceMetadata
            {
                Resource = options.EffectiveAudience,
                AuthorizationServers = [options.Issuer],
                ScopesSupported = api?.Scopes.Select(s => s.Name).ToArray() ?? [],
                BearerMethodsSupported = ["header"],
                ResourceName = api?.Name,
                DpopSigningAlgValuesSupported = DpopProofValidator.Algorithms,
            },
            NoStore: false,
            CacheControl: "public, max-age=3600");
    }

    private BearerChallengeResult Challenge(OAuthError? error, string? scope = null) =>
        new(error, options.EffectiveAudience, scope, _metadataUrl);
}
