using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Endpoints.Dpop;

namespace Serverless.OAuth.Http;

/// <summary>GET or POST /userinfo: the token is in the Authorization header either way (a POST's body is not read).</summary>
public sealed class UserInfoHttpEndpoint(UserInfoEndpoint userInfo)
{
    public Task<EndpointResult> HandleAsync(HttpRequest request) => userInfo.HandleAsync(
        new ResourceRequest(request.Headers.Authorization, request.Headers[DpopProofValidator.HeaderName], request.Method, userInfo.Url),
        request.HttpContext.RequestAborted);
}
