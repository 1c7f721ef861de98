using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Interaction;

namespace Serverless.OAuth.Http;

/// <summary>GET /authorize (the request in the query) and POST /authorize (the sign-in and consent form).</summary>
public sealed class AuthorizeHttpEndpoint(AuthorizeEndpoint authorize, BrowserCookies cookies, OAuthServerOptions options) : IBrowserEndpoint
{
    public Task<EndpointResult> GetAsync(HttpRequest request) =>
        authorize.GetAsync(OAuthParameters.From(request.Query), cookies.Session(request), request.HttpContext.RequestAborted);

    public async Task<EndpointResult> PostAsync(HttpRequest request)
    {
        var form = await RequestBody.ReadFormAsync(request);
        return form.Succeeded
            ? await authorize.PostAsync(form.Value, cookies.Csrf(request), cookies.Session(request), ClientAddress.From(request, options.ForwardedForHops), request.HttpContext.RequestAborted)
            : HtmlPage.ForError(form.Error);
    }
}
