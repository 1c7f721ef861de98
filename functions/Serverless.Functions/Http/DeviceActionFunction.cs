using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /device: the device verification page's steps (code, sign-in, consent).</summary>
public sealed class DeviceActionFunction(EndpointRunner endpoints, DeviceHttpEndpoint device)
{
    [Function("DeviceAction")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "device")] HttpRequest request) =>
        endpoints.RunAsync(request, device, static (e, r) => e.PostAsync(r));
}
