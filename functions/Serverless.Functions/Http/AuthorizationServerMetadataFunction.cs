using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /.well-known/oauth-authorization-server: RFC 8414 metadata.</summary>
public sealed class AuthorizationServerMetadataFunction(EndpointRunner endpoints, MetadataHttpEndpoint metadata)
{
    [Function("AuthorizationServerMetadata")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/oauth-authorization-server")] HttpRequest request) =>
        endpoints.RunAsync(request, metadata, static (e, r) => e.AuthorizationServerAsync(r));
}
