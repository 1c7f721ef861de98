using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Http;

/// <summary>GET /signin/{provider}/callback: an upstream identity provider's answer to a sign-in, resumed in the interaction layer.</summary>
public sealed class UpstreamCallbackHttpEndpoint(UpstreamCallback upstreamCallback, BrowserCookies cookies) : IBrowserEndpoint
{
    public Task<EndpointResult> GetAsync(HttpRequest request) =>
        upstreamCallback.HandleAsync(
            ProviderOf(request.Path.Value ?? ""),
            OAuthParameters.From(request.Query),
            cookies.SignInBinding(request),
            cookies.Session(request),
            request.HttpContext.RequestAborted);

    /// <summary>The provider's name is the path's middle segment (the route allows no other shape).</summary>
    private static string ProviderOf(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length == 3 ? segments[1] : "";
    }
}
