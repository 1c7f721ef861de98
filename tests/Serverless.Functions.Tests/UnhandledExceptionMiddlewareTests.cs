using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.Functions.Http;

namespace Serverless.Functions.Tests;

/// <summary>An exception that escapes an HTTP function becomes the core's OAuth error; a timer's failure stays a failure.</summary>
public sealed class UnhandledExceptionMiddlewareTests
{
    [Theory]
    [InlineData(typeof(HttpRequestException), 503, "temporarily_unavailable")]
    [InlineData(typeof(TimeoutException), 503, "temporarily_unavailable")]
    [InlineData(typeof(InvalidOperationException), 500, "server_error")]
    [InlineData(typeof(NullReferenceException), 500, "server_error")]
    public async Task AnEscapingException_IsAnsweredAsTheCoreAnswersIt(Type exceptionType, int status, string error)
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        var exception = (Exception)Activator.CreateInstance(exceptionType, "secret detail that must not be sent")!;

        await Middleware().Invoke(FunctionContextWith(http), _ => throw exception);

        Assert.Equal(status, http.Response.StatusCode);
        Assert.Equal("no-store", http.Response.Headers.CacheControl.ToString());
        http.Response.Body.Position = 0;
        var body = await new StreamReader(http.Response.Body).ReadToEndAsync();
        Assert.Equal(error, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        Assert.DoesNotContain("secret detail", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAnHttpRequest_TheFailureStands()
    {
        var context = FunctionContextWith(null);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Middleware().Invoke(context, _ => throw new InvalidOperationException()));
    }

    [Fact]
    public async Task AResponseAlreadyStarted_IsLeftAlone()
    {
        var http = new DefaultHttpContext();
        var started = new Mock<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>();
        started.SetupGet(f => f.HasStarted).Returns(true);
        started.SetupGet(f => f.Headers).Returns(new HeaderDictionary());
        http.Features.Set(started.Object);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Middleware().Invoke(FunctionContextWith(http), _ => throw new InvalidOperationException()));
    }

    private static UnhandledExceptionMiddleware Middleware() => new(NullLogger<UnhandledExceptionMiddleware>.Instance);

    /// <summary>The worker's ASP.NET Core integration keeps the request's HttpContext in the FunctionContext's items.</summary>
    private static FunctionContext FunctionContextWith(HttpContext? http)
    {
        var definition = new Mock<FunctionDefinition>();
        definition.SetupGet(d => d.Name).Returns("Token");
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
        context.SetupGet(c => c.Items).Returns(http is null ? new Dictionary<object, object>() : new Dictionary<object, object> { ["HttpRequestContext"] = http });
        return context.Object;
    }
}
