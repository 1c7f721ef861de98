using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Endpoints.Dpop;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Http;

/// <summary>POST /token: the authorization_code, refresh_token and client_credentials grants. The client authenticates in the Authorization header or the form.</summary>
public sealed class TokenHttpEndpoint(TokenEndpoint token, OAuthServerOptions options)
{
    public async Task<EndpointResult> HandleAsync(HttpRequest request)
    {
        var form = await RequestBody.ReadFormAsync(request);
        return form.Succeeded
            ? await token.HandleAsync(request.Headers.Authorization, request.Headers[DpopProofValidator.HeaderName], form.Value, ClientAddress.From(request, options.ForwardedForHops), request.HttpContext.RequestAborted)
            : new OAuthErrorResult(form.Error);
    }
}
