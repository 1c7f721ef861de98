using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /userinfo: the signed-in user's claims, by the access token's scope (OpenID Connect Core §5.3).</summary>
public sealed class UserInfoGetFunction(OAuthHttpHandlers handlers)
{
    [Function("UserInfoGet")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "userinfo")] HttpRequest request) =>
        handlers.UserInfoAsync(request);
}
