using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /introspect: token introspection for authenticated clients (RFC 7662).</summary>
public sealed class IntrospectFunction(EndpointRunner endpoints, IntrospectionHttpEndpoint introspection)
{
    [Function("Introspect")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "introspect")] HttpRequest request) =>
        endpoints.RunAsync(request, introspection, static (e, r) => e.HandleAsync(r));
}
