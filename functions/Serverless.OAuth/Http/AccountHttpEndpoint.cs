using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Interaction;

namespace Serverless.OAuth.Http;

/// <summary>GET /account (the signed-in user's apps) and POST /account (withdraw one, or sign out).</summary>
public sealed class AccountHttpEndpoint(AccountEndpoint account, BrowserCookies cookies, OAuthServerOptions options) : IBrowserEndpoint
{
    public Task<EndpointResult> GetAsync(HttpRequest request) => account.GetAsync(cookies.Session(request), request.HttpContext.RequestAborted);

    public async Task<EndpointResult> PostAsync(HttpRequest request)
    {
        var form = await RequestBody.ReadFormAsync(request);
        return form.Succeeded
            ? await account.PostAsync(form.Value, cookies.Csrf(request), cookies.Session(request), request.HttpContext.RequestAborted, ClientAddress.From(request, options.ForwardedForHops))
            : HtmlPage.ForError(form.Error);
    }
}
