using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /par: pushed authorization requests (RFC 9126).</summary>
public sealed class PushedAuthorizationFunction(EndpointRunner endpoints, PushedAuthorizationHttpEndpoint pushed)
{
    [Function("PushedAuthorization")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "par")] HttpRequest request) =>
        endpoints.RunAsync(request, pushed, static (e, r) => e.HandleAsync(r));
}
