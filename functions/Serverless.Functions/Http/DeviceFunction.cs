using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /device: the device verification page, the code entry (RFC 8628 §3.3).</summary>
public sealed class DeviceFunction(EndpointRunner endpoints, DeviceHttpEndpoint device)
{
    [Function("Device")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "device")] HttpRequest request) =>
        endpoints.RunAsync(request, device, static (e, r) => e.GetAsync(r));
}
