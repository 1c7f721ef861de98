using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /.well-known/openid-configuration: OpenID Connect Discovery 1.0 metadata.</summary>
public sealed class OpenIdConfigurationFunction(EndpointRunner endpoints, MetadataHttpEndpoint metadata)
{
    [Function("OpenIdConfiguration")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/openid-configuration")] HttpRequest request) =>
        endpoints.RunAsync(request, metadata, static (e, r) => e.OpenIdConfigurationAsync(r));
}
