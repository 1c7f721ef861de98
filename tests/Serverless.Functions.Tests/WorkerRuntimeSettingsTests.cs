using System.Text.Json;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>
/// The worker's runtime settings, in its runtimeconfig.json (the host starts it as 'dotnet Serverless.Functions.dll',
/// which reads them): the local host's garbage collector (server, as the Web SDK sets it), and thread-pool threads that
/// sleep instead of spinning when they run out of work. The worker's requests hop between more threads than the local
/// host's (gRPC stream, invocation, its Kestrel), and every idle thread's spin is CPU the instance's Functions host
/// then lacks.
/// </summary>
public sealed class WorkerRuntimeSettingsTests
{
    private static readonly JsonElement ConfigProperties = JsonDocument
        .Parse(File.ReadAllText(Path.Combine(FunctionsWorkerServer.AppDirectory, "Serverless.Functions.runtimeconfig.json")))
        .RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

    [Fact]
    public void TheWorker_UsesTheServerGarbageCollector_LikeTheLocalHost() =>
        Assert.True(ConfigProperties.TryGetProperty("System.GC.Server", out var server) && server.GetBoolean(), ConfigProperties.ToString());

    [Fact]
    public void IdleThreadPoolThreads_DoNotSpin() =>
        Assert.True(
            ConfigProperties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var limit) && limit.ToString() == "0",
            ConfigProperties.ToString());
}
