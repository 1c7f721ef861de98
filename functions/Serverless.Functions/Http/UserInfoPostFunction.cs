using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /userinfo: the signed-in user's claims, by the access token's scope (OpenID Connect Core §5.3).</summary>
public sealed class UserInfoPostFunction(EndpointRunner endpoints, UserInfoHttpEndpoint userInfo)
{
    [Function("UserInfoPost")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "userinfo")] HttpRequest request) =>
        endpoints.RunAsync(request, userInfo, static (e, r) => e.HandleAsync(r));
}
