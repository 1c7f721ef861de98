using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Http;

/// <summary>GET /device (the code entry, pre-filled from the query) and POST /device (its steps: code, sign-in, consent).</summary>
public sealed class DeviceHttpEndpoint(DeviceVerification verification, BrowserCookies cookies, OAuthServerOptions options) : IBrowserEndpoint
{
    public Task<EndpointResult> GetAsync(HttpRequest request) => Task.FromResult(verification.Get(OAuthParameters.From(request.Query)));

    public async Task<EndpointResult> PostAsync(HttpRequest request)
    {
        var form = await RequestBody.ReadFormAsync(request);
        return form.Succeeded
            ? await verification.PostAsync(form.Value, cookies.Csrf(request), cookies.Session(request), ClientAddress.From(request, options.ForwardedForHops), request.HttpContext.RequestAborted)
            : HtmlPage.ForError(form.Error);
    }
}
