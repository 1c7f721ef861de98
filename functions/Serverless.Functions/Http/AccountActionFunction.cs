using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /account: the account page's forms (withdraw an app's access, sign out).</summary>
public sealed class AccountActionFunction(OAuthHttpHandlers handlers)
{
    [Function("AccountAction")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "account")] HttpRequest request) =>
        handlers.AccountPostAsync(request);
}
