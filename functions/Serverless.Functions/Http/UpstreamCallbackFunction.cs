using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /signin/{provider}/callback: an upstream identity provider's answer to a sign-in.</summary>
public sealed class UpstreamCallbackFunction(EndpointRunner endpoints, UpstreamCallbackHttpEndpoint upstreamCallback)
{
    [Function("UpstreamCallback")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "signin/{provider}/callback")] HttpRequest request) =>
        endpoints.RunAsync(request, upstreamCallback, static (e, r) => e.GetAsync(r));
}
