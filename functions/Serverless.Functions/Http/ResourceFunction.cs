using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /resource: the demo protected resource (RFC 6750). Anonymous, like every OAuth route: clients are authenticated by the server, never by Functions keys.</summary>
public sealed class ResourceFunction(OAuthHttpHandlers handlers)
{
    [Function("Resource")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "resource")] HttpRequest request) =>
        handlers.ResourceAsync(request);
}
