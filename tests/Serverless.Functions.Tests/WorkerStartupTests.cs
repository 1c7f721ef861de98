using System.Net;
using System.Net.Sockets;
using Serverless.FunctionsHost;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>
/// A worker started with bad settings exits with a message that says what is wrong, the emulator's start-up fails
/// with that message, and its HTTP port is never opened: no request is served half-configured.
/// </summary>
public sealed class WorkerStartupTests
{
    [Theory]
    [InlineData(null, "OAuth:Storage needs ConnectionString or TableServiceUri")]
    [InlineData("not a url", "OAuth:Issuer must be an absolute URL")]
    [InlineData("http://auth.example.com", "OAuth:Issuer must use https")]
    public async Task BadSettings_StopTheWorker_WithAClearMessage_AndNothingIsServed(string? issuer, string message)
    {
        var azurite = await AzuriteServer.Shared;
        var port = FreePort.Next();
        var settings = new Dictionary<string, string?>
        {
            ["OAuth__Issuer"] = issuer ?? $"http://127.0.0.1:{port}",
            ["OAuth__Storage__ConnectionString"] = issuer is null ? null : azurite.ConnectionString,
        };

        var failure = await Assert.ThrowsAsync<WorkerStartException>(() => FunctionsHostEmulator.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = FunctionsWorkerServer.AppDirectory,
            HttpPort = port,
            UseLocalSettings = false,
            Settings = settings,
        }));

        Assert.Contains("The worker exited", failure.Message);
        Assert.Contains(message, failure.Message);
        using var socket = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(IPAddress.Loopback, port));
    }

    /// <summary>
    /// The tests' clock setting (FunctionsWorkerServer moves the worker's time with it) must never take effect in
    /// Azure: outside Development, or with storage that is not on loopback, the worker refuses to start.
    /// </summary>
    [Theory]
    [InlineData("Production", null)]
    [InlineData("Development", "DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=a2V5;EndpointSuffix=core.windows.net")]
    public async Task TheTestClockSetting_OutsideDevelopmentOnAzurite_StopsTheWorker(string environment, string? connectionString)
    {
        var azurite = await AzuriteServer.Shared;
        var port = FreePort.Next();
        var settings = new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = environment,
            ["OAuth__Issuer"] = $"http://127.0.0.1:{port}",
            ["OAuth__Storage__ConnectionString"] = connectionString ?? azurite.ConnectionString,
            ["TestClock__OffsetFile"] = Path.Combine(Path.GetTempPath(), "never-read.txt"),
        };

        var failure = await Assert.ThrowsAsync<WorkerStartException>(() => FunctionsHostEmulator.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = FunctionsWorkerServer.AppDirectory,
            HttpPort = port,
            UseLocalSettings = false,
            Settings = settings,
        }));

        Assert.Contains("TestClock:OffsetFile is a test setting", failure.Message);
    }
}
