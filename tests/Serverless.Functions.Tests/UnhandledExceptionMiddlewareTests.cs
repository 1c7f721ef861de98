using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
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
        http.Features.Set<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>(new StartedResponse());

        await Assert.ThrowsAsync<InvalidOperationException>(() => Middleware().Invoke(FunctionContextWith(http), _ => throw new InvalidOperationException()));
    }

    private static UnhandledExceptionMiddleware Middleware() => new(NullLogger<UnhandledExceptionMiddleware>.Instance);

    /// <summary>The worker's ASP.NET Core integration keeps the request's HttpContext in the FunctionContext's items.</summary>
    private static FunctionContext FunctionContextWith(HttpContext? http) =>
        new FakeFunctionContext(http is null ? new Dictionary<object, object>() : new Dictionary<object, object> { ["HttpRequestContext"] = http });

    private sealed class StartedResponse : Microsoft.AspNetCore.Http.Features.HttpResponseFeature
    {
        public override bool HasStarted => true;
    }

    /// <summary>What the middleware reads of an invocation: its function's name and its items; nothing else is used.</summary>
    private sealed class FakeFunctionContext(IDictionary<object, object> items) : FunctionContext
    {
        public override string InvocationId => "invocation";

        public override string FunctionId => "token";

        public override TraceContext TraceContext => throw new NotSupportedException();

        public override BindingContext BindingContext => throw new NotSupportedException();

        public override RetryContext RetryContext => throw new NotSupportedException();

        public override IServiceProvider InstanceServices { get; set; } = null!;

        public override FunctionDefinition FunctionDefinition { get; } = new TokenFunctionDefinition();

        public override IDictionary<object, object> Items { get; set; } = items;

        public override IInvocationFeatures Features => throw new NotSupportedException();
    }

    private sealed class TokenFunctionDefinition : FunctionDefinition
    {
        public override System.Collections.Immutable.ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => "";

        public override string EntryPoint => "";

        public override string Id => "token";

        public override string Name => "Token";

        public override System.Collections.Immutable.IImmutableDictionary<string, BindingMetadata> InputBindings =>
            System.Collections.Immutable.ImmutableDictionary<string, BindingMetadata>.Empty;

        public override System.Collections.Immutable.IImmutableDictionary<string, BindingMetadata> OutputBindings =>
            System.Collections.Immutable.ImmutableDictionary<string, BindingMetadata>.Empty;
    }
}
