using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Interaction;

namespace Serverless.OAuth.Http;

/// <summary>GET /: a small home page with links to the metadata and keys.</summary>
public sealed class HomeHttpEndpoint(OAuthServerOptions options) : IBrowserEndpoint
{
    public Task<EndpointResult> GetAsync(HttpRequest request) => Task.FromResult<EndpointResult>(new HtmlPage(HomePage.Render(options.Issuer)));
}
