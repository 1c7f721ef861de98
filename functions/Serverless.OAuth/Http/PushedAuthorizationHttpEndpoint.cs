using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Http;

/// <summary>POST /par (RFC 9126). The client authenticates in the Authorization header or the form, as at /token.</summary>
public sealed class PushedAuthorizationHttpEndpoint(PushedAuthorizationEndpoint pushed, OAuthServerOptions options)
{
    public async Task<EndpointResult> HandleAsync(HttpRequest request)
    {
        var form = await RequestBody.ReadFormAsync(request);
        return form.Succeeded
            ? await pushed.HandleAsync(request.Headers.Authorization, form.Value, ClientAddress.From(request, options.ForwardedForHops), request.HttpContext.RequestAborted)
            : new OAuthErrorResult(form.Error);
    }
}
