using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Demo;

namespace Serverless.Functions.Http;

/// <summary>GET /resource: the demo protected resource (RFC 6750).</summary>
public sealed class ResourceFunction(DemoHttpHandlers handlers)
{
    [Function("Resource")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "resource")] HttpRequest request) =>
        handlers.ResourceAsync(request);
}
