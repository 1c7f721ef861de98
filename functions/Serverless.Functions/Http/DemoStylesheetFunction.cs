using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Demo;

namespace Serverless.Functions.Http;

/// <summary>GET /demo/app.css: the demo client's stylesheet.</summary>
public sealed class DemoStylesheetFunction(DemoHttpHandlers handlers)
{
    [Function("DemoStylesheet")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "demo/app.css")] HttpRequest request) =>
        handlers.StylesheetAsync(request);
}
