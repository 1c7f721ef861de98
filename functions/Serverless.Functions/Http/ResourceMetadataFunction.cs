using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Demo;

namespace Serverless.Functions.Http;

/// <summary>GET /.well-known/oauth-protected-resource/resource: the demo resource's metadata (RFC 9728).</summary>
public sealed class ResourceMetadataFunction(DemoHttpHandlers handlers)
{
    [Function("ResourceMetadata")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ResourceEndpoint.MetadataRoute)] HttpRequest request) =>
        handlers.ResourceMetadataAsync(request);
}
