using System.Net;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>
/// What the worker sends the host when an HTTP function has answered. The ASP.NET Core integration writes the
/// function's result to the proxied response, and the host ignores an HTTP function's return value in proxy mode; a
/// return value would be the result serialized to JSON (a token response with its tokens) and sent over gRPC for
/// nothing, on every request.
/// </summary>
public sealed class InvocationResponseTests
{
    [Fact]
    public async Task AnHttpFunctionsAnswer_GoesOverHttpOnly_NotBackToTheHost()
    {
        await using var server = await FunctionsWorkerServer.StartAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        using var discovery = await http.GetAsync(".well-known/openid-configuration");
        using var token = await http.PostAsync("token", new FormUrlEncodedContent([new("grant_type", "client_credentials")]));

        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        Assert.Contains("\"token_endpoint\"", await discovery.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, token.StatusCode);

        // The client may read a response before the worker's InvocationResponse for it has arrived.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (server.Host.Output.InvocationResponseCount < 2)
        {
            await Task.Delay(10, deadline.Token);
        }

        Assert.True(server.Host.Output.ReturnValueCount == 0, $"{server.Host.Output.ReturnValueCount} return values:{Environment.NewLine}{server.Host.Output}");
    }
}
