using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /revoke: token revocation (RFC 7009).</summary>
public sealed class RevokeFunction(OAuthHttpHandlers handlers)
{
    [Function("Revoke")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "revoke")] HttpRequest request) =>
        handlers.RevokeAsync(request);
}
