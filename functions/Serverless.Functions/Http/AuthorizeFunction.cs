using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /authorize: validates the authorization request and renders the login and consent page.</summary>
public sealed class AuthorizeFunction(EndpointRunner endpoints, AuthorizeHttpEndpoint authorize)
{
    [Function("Authorize")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "authorize")] HttpRequest request) =>
        endpoints.RunAsync(request, authorize, static (e, r) => e.GetAsync(r));
}
