using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /.well-known/jwks.json: the public keys that verify access tokens.</summary>
public sealed class JwksFunction(EndpointRunner endpoints, MetadataHttpEndpoint metadata)
{
    [Function("Jwks")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/jwks.json")] HttpRequest request) =>
        endpoints.RunAsync(request, metadata, static (e, r) => e.JwksAsync(r));
}
