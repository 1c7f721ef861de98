using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /register: dynamic client registration (RFC 7591), when enabled.</summary>
public sealed class RegisterFunction(EndpointRunner endpoints, RegistrationHttpEndpoint registration)
{
    [Function("Register")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "register")] HttpRequest request) =>
        endpoints.RunAsync(request, registration, static (e, r) => e.HandleAsync(r));
}
