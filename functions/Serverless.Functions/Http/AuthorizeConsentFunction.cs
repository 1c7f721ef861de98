using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Serverless.OAuth.Http;

namespace Serverless.Functions.Http;

/// <summary>POST /authorize: the page's form (credentials and Allow/Deny); redirects back to the client.</summary>
public sealed class AuthorizeConsentFunction(EndpointRunner endpoints, AuthorizeHttpEndpoint authorize)
{
    [Function("AuthorizeConsent")]
    public Task<IResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "authorize")] HttpRequest request) =>
        endpoints.RunAsync(request, authorize, static (e, r) => e.PostAsync(r));
}
