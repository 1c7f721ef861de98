using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /revoke: token revocation (RFC 7009).</summary>
public sealed class RevokeFunction(EndpointRunner endpoints, RevocationHttpEndpoint revocation)
{
    [Function("Revoke")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "revoke")] HttpRequest request) =>
        endpoints.RunAsync(request, revocation, static (e, r) => e.HandleAsync(r));
}
