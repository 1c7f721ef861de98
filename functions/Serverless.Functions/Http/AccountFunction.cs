using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /account: the signed-in user's apps, each with a button to withdraw its access.</summary>
public sealed class AccountFunction(EndpointRunner endpoints, AccountHttpEndpoint account)
{
    [Function("Account")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "account")] HttpRequest request) =>
        endpoints.RunAsync(request, account, static (e, r) => e.GetAsync(r));
}
