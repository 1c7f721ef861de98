using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.Demo;

namespace Serverless.Functions.Http;

/// <summary>GET /demo/app.js: the demo client's script.</summary>
public sealed class DemoScriptFunction(DemoHttpHandlers handlers)
{
    [Function("DemoScript")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "demo/app.js")] HttpRequest request) =>
        handlers.ScriptAsync(request);
}
