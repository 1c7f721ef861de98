using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /account: the account page's forms (withdraw an app's access, sign out).</summary>
public sealed class AccountActionFunction(EndpointRunner endpoints, AccountHttpEndpoint account)
{
    [Function("AccountAction")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account")] HttpRequest request) =>
        endpoints.RunAsync(request, account, static (e, r) => e.PostAsync(r));
}
