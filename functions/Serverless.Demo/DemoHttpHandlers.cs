using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Endpoints.Dpop;
using Serverless.OAuth.Http;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Interaction;

namespace Serverless.Demo;

/// <summary>
/// The HTTP face of the demo routes, for both hosts. They answer through the core's <see cref="EndpointRunner"/>, so
/// a failure answers as the server's own routes do (503 or 500, never a stack trace) and errors are counted alike.
/// </summary>
public sealed class DemoHttpHandlers(EndpointRunner server, ResourceEndpoint resource)
{
    /// <summary>GET /demo and /demo/callback: one page, whose script tells the two apart.</summary>
    public Task<IResult> PageAsync(HttpRequest request) =>
        Static(request, new HtmlPage(Html.FromAsset(DemoClientFiles.Page), ContentSecurityPolicy: DemoClientFiles.ContentSecurityPolicy));

    public Task<IResult> ScriptAsync(HttpRequest request) =>
        Static(request, new StaticFileResult(DemoClientFiles.Script, "text/javascript; charset=utf-8"));

    public Task<IResult> StylesheetAsync(HttpRequest request) =>
        Static(request, new StaticFileResult(DemoClientFiles.Stylesheet, "text/css; charset=utf-8"));

    /// <summary>GET /resource: the demo protected resource.</summary>
    public Task<IResult> ResourceAsync(HttpRequest request) =>
        server.RunAsync(request, resource, static (e, r) => e.HandleAsync(
            new ResourceRequest(r.Headers.Authorization, r.Headers[DpopProofValidator.HeaderName], r.Method, e.Url), r.HttpContext.RequestAborted));

    /// <summary>GET /.well-known/oauth-protected-resource/resource: the demo resource's metadata (RFC 9728).</summary>
    public Task<IResult> ResourceMetadataAsync(HttpRequest request) =>
        server.RunAsync(request, resource, static (e, r) => e.MetadataAsync(r.HttpContext.RequestAborted));

    private Task<IResult> Static(HttpRequest request, EndpointResult file) => Task.FromResult(server.Answer(request, file));
}
