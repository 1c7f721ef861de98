using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.Functions.Http;

/// <summary>
/// An exception that escapes an HTTP function would leave the worker's proxied response empty (a 200 with no body)
/// while the invocation fails. This answers it as the core's handlers answer their own failures: 503
/// temporarily_unavailable for a dependency, 500 server_error otherwise, with Cache-Control: no-store and no stack
/// trace. Timer invocations are not HTTP and keep failing as they are, for the host to log and retry.
/// </summary>
public sealed class UnhandledExceptionMiddleware(ILogger<UnhandledExceptionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is { Response.HasStarted: false } http && !http.RequestAborted.IsCancellationRequested)
        {
            // Logged without the message: messages of the libraries below may quote request data.
            logger.LogError(EventIds.FunctionFailed, "Function {FunctionName} failed with {ExceptionType} at {StackTrace}", context.FunctionDefinition.Name, e.GetType().FullName, e.StackTrace);
            await EndpointRunner.Failure(e, http.Request).ExecuteAsync(http);
        }
    }
}
