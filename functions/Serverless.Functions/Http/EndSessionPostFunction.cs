using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /endsession: a relying party's logout form post, or the answer of the sign-out page.</summary>
public sealed class EndSessionPostFunction(EndpointRunner endpoints, EndSessionHttpEndpoint endSession)
{
    [Function("EndSessionPost")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "endsession")] HttpRequest request) =>
        endpoints.RunAsync(request, endSession, static (e, r) => e.PostAsync(r));
}
