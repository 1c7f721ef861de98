using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /endsession: OpenID Connect RP-initiated logout.</summary>
public sealed class EndSessionFunction(EndpointRunner endpoints, EndSessionHttpEndpoint endSession)
{
    [Function("EndSession")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "endsession")] HttpRequest request) =>
        endpoints.RunAsync(request, endSession, static (e, r) => e.GetAsync(r));
}
