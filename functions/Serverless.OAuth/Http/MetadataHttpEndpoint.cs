using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;

namespace Serverless.OAuth.Http;

/// <summary>GET the RFC 8414 metadata, the OpenID Connect Discovery document and the JWKS.</summary>
public sealed class MetadataHttpEndpoint(MetadataEndpoint metadata)
{
    public Task<EndpointResult> AuthorizationServerAsync(HttpRequest request) => metadata.MetadataAsync(request.HttpContext.RequestAborted);

    public Task<EndpointResult> OpenIdConfigurationAsync(HttpRequest request) => metadata.OpenIdConfigurationAsync(request.HttpContext.RequestAborted);

    public Task<EndpointResult> JwksAsync(HttpRequest request) => metadata.JwksAsync(request.HttpContext.RequestAborted);
}
