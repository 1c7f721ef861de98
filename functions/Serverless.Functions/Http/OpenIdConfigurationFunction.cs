using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>GET /.well-known/openid-configuration: the same metadata document, where OpenID-style clients look for it.</summary>
public sealed class OpenIdConfigurationFunction(OAuthHttpHandlers handlers)
{
    [Function("OpenIdConfiguration")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ".well-known/openid-configuration")] HttpRequest request) =>
        handlers.MetadataAsync(request);
}
