using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /token: authorization_code, refresh_token and client_credentials grants.</summary>
public sealed class TokenFunction(EndpointRunner endpoints, TokenHttpEndpoint token)
{
    [Function("Token")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "token")] HttpRequest request) =>
        endpoints.RunAsync(request, token, static (e, r) => e.HandleAsync(r));
}
