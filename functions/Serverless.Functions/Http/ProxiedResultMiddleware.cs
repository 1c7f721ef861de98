using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Serverless.Functions.Http;

/// <summary>
/// Outside the ASP.NET Core integration's own middleware (registered before it): once that middleware has written an
/// HTTP function's <see cref="IResult"/> to the proxied response, the result is dropped from the invocation. Left in,
/// the worker would serialize it to JSON by reflection (a token response with its tokens) as the InvocationResponse's
/// return value and send it to the host over gRPC, which ignores an HTTP function's return value in proxy mode: CPU
/// and bytes on every request, and the first request's JIT of the reflection serializer.
/// </summary>
public sealed class ProxiedResultMiddleware : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        await next(context);
        if (context.GetHttpContext() is not null && context.GetInvocationResult() is { Value: IResult } result)
        {
            result.Value = null;
        }
    }
}
