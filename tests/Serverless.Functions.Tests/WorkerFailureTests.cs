using System.Net;
using System.Text.Json;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>
/// Failures inside the real worker reach the client through the host emulator as the core's OAuth errors: a storage
/// account that refuses connections is 503 temporarily_unavailable, an unreadable signing key 500 server_error;
/// never an empty 200, never a stack trace.
/// </summary>
public sealed class WorkerFailureTests
{
    private static readonly string RefusingStorage =
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteServer.AccountKey};TableEndpoint=http://127.0.0.1:{FreePort.Next()}/devstoreaccount1;";

    [Fact]
    public async Task StorageRefusingConnections_Is503TemporarilyUnavailable()
    {
        await using var server = await FunctionsWorkerServer.StartAsync(new() { ["OAuth:Storage:ConnectionString"] = RefusingStorage });
        using var http = server.NewHttpClient();

        var response = await http.PostAsync("token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "some-client",
            ["client_secret"] = "some-secret",
        }));

        await AssertOAuthErrorAsync(response, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
    }

    [Fact]
    public async Task AnUnreadableSigningKeyFile_Is500ServerError()
    {
        await using var server = await FunctionsWorkerServer.StartAsync();
        await File.WriteAllTextAsync(server.KeyPath, "{ this is not a key file");
        using var http = server.NewHttpClient();

        var response = await http.GetAsync(".well-known/jwks.json");

        await AssertOAuthErrorAsync(response, HttpStatusCode.InternalServerError, "server_error");
    }

    private static async Task AssertOAuthErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal(error, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }
}
