using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Http;

/// <summary>GET /endsession (RP-initiated logout, the request in the query) and POST /endsession (the request as a form, or the confirmation).</summary>
public sealed class EndSessionHttpEndpoint(EndSessionEndpoint endSession, BrowserCookies cookies) : IBrowserEndpoint
{
    public Task<EndpointResult> GetAsync(HttpRequest request) =>
        endSession.RequestAsync(OAuthParameters.From(request.Query), cookies.Session(request), request.HttpContext.RequestAborted);

    public async Task<EndpointResult> PostAsync(HttpRequest request)
    {
        var form = await RequestBody.ReadFormAsync(request);
        return form.Succeeded
            ? await endSession.PostAsync(form.Value, cookies.Csrf(request), cookies.Session(request), request.HttpContext.RequestAborted)
            : HtmlPage.ForError(form.Error);
    }
}
