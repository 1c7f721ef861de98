using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Serverless.Functions.Http;

/// <summary>
/// The worker's ASP.NET Core integration executes an <see cref="IActionResult"/> a function returns, but not an
/// <see cref="IResult"/>, which is what the core's handlers return; this runs the core's result against the request's
/// HttpContext, so the Functions app writes exactly what the local host writes.
/// </summary>
public sealed class HttpResultAction(IResult result) : IActionResult
{
    public IResult Result => result;

    public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
}

public static class HttpResultActionExtensions
{
    public static async Task<IActionResult> AsActionResultAsync(this Task<IResult> result) => new HttpResultAction(await result);
}
