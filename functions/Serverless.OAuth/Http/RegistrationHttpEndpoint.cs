using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Http;

/// <summary>POST /register (RFC 7591): a JSON body, read only once the endpoint has checked it is enabled and the address may register.</summary>
public sealed class RegistrationHttpEndpoint(RegistrationEndpoint registration, OAuthServerOptions options)
{
    public Task<EndpointResult> HandleAsync(HttpRequest request) =>
        registration.HandleAsync(_ => RequestBody.ReadJsonAsync(request), ClientAddress.From(request, options.ForwardedForHops), request.HttpContext.RequestAborted);
}
