using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Demo;

namespace Serverless.Functions.Http;

/// <summary>GET /demo/callback: the demo client's redirect URI; the same page, whose script exchanges the code.</summary>
public sealed class DemoCallbackFunction(DemoHttpHandlers handlers)
{
    [Function("DemoCallback")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "demo/callback")] HttpRequest request) =>
        handlers.PageAsync(request);
}
