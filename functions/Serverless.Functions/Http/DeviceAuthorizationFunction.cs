using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /device_authorization: the device authorization request (RFC 8628 §3.1).</summary>
public sealed class DeviceAuthorizationFunction(EndpointRunner endpoints, DeviceAuthorizationHttpEndpoint deviceAuthorization)
{
    [Function("DeviceAuthorization")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "device_authorization")] HttpRequest request) =>
        endpoints.RunAsync(request, deviceAuthorization, static (e, r) => e.HandleAsync(r));
}
