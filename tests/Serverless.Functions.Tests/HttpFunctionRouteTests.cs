using Serverless.FunctionsHost;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>The emulator gives HTTP functions the routes the Functions host gives them.</summary>
public sealed class HttpFunctionRouteTests
{
    private static LoadedFunction Http(string name, string? route) => new(name, "id", "httpTrigger", "request", route, ["GET"]);

    [Theory]
    [InlineData("", "token", "token")]
    [InlineData("api", "token", "api/token")]
    [InlineData("/api/", "token", "api/token")]
    [InlineData("", ".well-known/jwks.json", ".well-known/jwks.json")]
    [InlineData("api", null, "api/Named")]
    [InlineData("api", "  ", "api/Named")]
    public void TheTemplate_IsThePrefixThenTheRouteOrTheName(string prefix, string? route, string template)
    {
        Assert.Equal((template, null), HttpFunctionRoute.For(Http("Named", route), prefix));
    }

    [Theory]
    [InlineData("admin/keys")]
    [InlineData("/Admin")]
    [InlineData("runtime/webhooks")]
    [InlineData("administrator")]
    public void RoutesUnderTheHostsOwn_AreRefused(string route)
    {
        var (template, error) = HttpFunctionRoute.For(Http("F", route), "");

        Assert.Null(template);
        Assert.Contains("conflicts with one or more built in routes", error);
    }

    [Fact]
    public void TheAppsOutput_IsReadLikeTheHostReadsIt()
    {
        var app = AppFolder.Read(FunctionsWorkerServer.AppDirectory);

        Assert.Equal("", app.RoutePrefix);
        Assert.Equal(Path.Combine(app.Directory, "Serverless.Functions.dll"), app.WorkerPath);
        Assert.True(File.Exists(app.WorkerPath));
    }
}
