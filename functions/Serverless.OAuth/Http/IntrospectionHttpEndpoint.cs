using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Http;

/// <summary>POST /introspect (RFC 7662). The client authenticates in the Authorization header or the form.</summary>
public sealed class IntrospectionHttpEndpoint(IntrospectionEndpoint introspection, OAuthServerOptions options)
{
    public async Task<EndpointResult> HandleAsync(HttpRequest request)
    {
        var form = await RequestBody.ReadFormAsync(request);
        return form.Succeeded
            ? await introspection.HandleAsync(request.Headers.Authorization, form.Value, ClientAddress.From(request, options.ForwardedForHops), request.HttpContext.RequestAborted)
            : new OAuthErrorResult(form.Error);
    }
}
