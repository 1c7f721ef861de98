using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Demo;

namespace Serverless.Functions.Http;

/// <summary>GET /demo: the demo client's page (a public client with PKCE that runs in the browser).</summary>
public sealed class DemoPageFunction(DemoHttpHandlers handlers)
{
    [Function("DemoPage")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "demo")] HttpRequest request) =>
        handlers.PageAsync(request);
}
