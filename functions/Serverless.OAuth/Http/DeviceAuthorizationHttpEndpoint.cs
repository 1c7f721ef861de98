using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Http;

/// <summary>POST /device_authorization (RFC 8628 §3.1). The client authenticates as at /token.</summary>
public sealed class DeviceAuthorizationHttpEndpoint(DeviceAuthorizationEndpoint deviceAuthorization, OAuthServerOptions options)
{
    public async Task<EndpointResult> HandleAsync(HttpRequest request)
    {
        var form = await RequestBody.ReadFormAsync(request);
        return form.Succeeded
            ? await deviceAuthorization.HandleAsync(request.Headers.Authorization, form.Value, ClientAddress.From(request, options.ForwardedForHops), request.HttpContext.RequestAborted)
            : new OAuthErrorResult(form.Error);
    }
}
