using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Interaction;

namespace Serverless.OAuth.Http;

/// <summary>
/// Runs one endpoint's adapter for both hosts: inside the endpoint's span, a dependency failure becomes 503
/// temporarily_unavailable and anything unexpected 500 server_error (an error page for an <see cref="IBrowserEndpoint"/>),
/// never a stack trace; the result becomes HTTP through <see cref="EndpointHttpResult"/>, which counts its error.
/// </summary>
public sealed class EndpointRunner(BrowserCookies cookies, ILogger<EndpointRunner> logger)
{
    public async Task<IResult> RunAsync<TEndpoint>(HttpRequest request, TEndpoint endpoint, Func<TEndpoint, HttpRequest, Task<EndpointResult>> handle)
    {
        // Joined to the incoming request's trace (the host's request span is the current activity).
        using var span = ServerTelemetry.Source.HasListeners() ? ServerTelemetry.Source.StartActivity("oauth " + request.Path.Value) : null;
        EndpointResult result;
        try
        {
            result = await handle(endpoint, request);
        }
        catch (Exception e) when (DependencyUnavailableException.IsTransient(e, request.HttpContext.RequestAborted))
        {
            logger.LogWarning(EventIds.DependencyFailed, "A dependency failed on {Path}: {ExceptionType} {Status}", request.Path, e.GetType().Name, (e.InnerException as RequestFailedException)?.Status);
            result = Failed(endpoint, OAuthError.TemporarilyUnavailable());
        }
        catch (Exception e) when (!request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // The exception is logged without its message: messages of the libraries below may quote request data.
            logger.LogError(EventIds.UnexpectedException, "Unexpected {ExceptionType} on {Path} at {StackTrace}", e.GetType().FullName, request.Path, e.StackTrace);
            result = Failed(endpoint, OAuthError.ServerError());
        }

        return Answer(request, result);
    }

    /// <summary>A result as HTTP, outside any endpoint (a static file), its error counted all the same.</summary>
    public IResult Answer(HttpRequest request, EndpointResult result) => EndpointHttpResult.Counted(request, result, cookies.Secure(request));

    /// <summary>
    /// The error for an exception that escaped a handler in the host's own pipeline: 503 temporarily_unavailable when
    /// a dependency failed, 500 server_error otherwise (RFC 6749 §4.1.2.1, §5.2), as the endpoints answer themselves.
    /// </summary>
    public static IResult Failure(Exception exception, HttpRequest request) =>
        new EndpointHttpResult(
            new OAuthErrorResult(DependencyUnavailableException.IsTransient(exception, request.HttpContext.RequestAborted) ? OAuthError.TemporarilyUnavailable() : OAuthError.ServerError()),
            secureCookies: true);

    private static EndpointResult Failed<TEndpoint>(TEndpoint endpoint, OAuthError error) =>
        endpoint is IBrowserEndpoint ? HtmlPage.ForError(error) : new OAuthErrorResult(error);
}
