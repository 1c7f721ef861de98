using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /: what this server is, with links to its metadata.</summary>
public sealed class HomeFunction(EndpointRunner endpoints, HomeHttpEndpoint home)
{
    [Function("Home")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = FunctionRoutes.SiteRoot)] HttpRequest request) =>
        endpoints.RunAsync(request, home, static (e, r) => e.GetAsync(r));
}
