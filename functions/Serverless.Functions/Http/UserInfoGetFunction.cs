using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /userinfo: the signed-in user's claims, by the access token's scope (OpenID Connect Core §5.3).</summary>
public sealed class UserInfoGetFunction(EndpointRunner endpoints, UserInfoHttpEndpoint userInfo)
{
    [Function("UserInfoGet")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "userinfo")] HttpRequest request) =>
        endpoints.RunAsync(request, userInfo, static (e, r) => e.HandleAsync(r));
}
