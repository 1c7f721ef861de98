using System.Diagnostics;
using System.Net.Http.Headers;
using Serverless.Benchmarks.Hosting;
using Serverless.Benchmarks.Load;
using Serverless.Benchmarks.Startup;
using Serverless.FunctionsHost;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.Testing;

namespace Serverless.Benchmarks.Functions;

/// <summary>The Functions app's worker through the host emulator: its start-up, and client_credentials beside the local host's.</summary>
public sealed record WorkerFigures(StartupResult Startup, LoadSettings Settings, LoadResult LocalHost, LoadResult Worker);

/// <summary>
/// The published Functions app run as the host runs it (the worker as its own process, behind the emulator's gRPC
/// channel and YARP forwarding in this process). Start-up is timed from the start of the emulator (which starts the
/// worker process) until the first client_credentials token is served through it. Per-request cost is wrk with the
/// same settings against the local host (in this process) and the worker path; the worker path's server CPU is this
/// process's (the emulator) plus the worker process's.
/// </summary>
public static class WorkerRun
{
    public static async Task<WorkerFigures> RunAsync(AzuriteServer azurite, string appDirectory, int runs, LoadSettings settings, TextWriter log)
    {
        var storage = azurite.NewStorage();
        var secret = await StartupRun.AddTokenClientAsync(storage, "worker-api");
        var basic = FlowClient.BasicAuthorization("worker-api", secret);
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-bench-worker-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var startup = await MeasureStartupAsync(appDirectory, storage, keyPath, basic, runs, log);
            var (local, worker) = await MeasureLoadAsync(azurite, appDirectory, storage, keyPath, basic, settings, log);
            return new WorkerFigures(startup, settings, local, worker);
        }
        finally
        {
            File.Delete(keyPath);
        }
    }

    private static async Task<StartupResult> MeasureStartupAsync(
        string appDirectory, StorageOptions storage, string keyPath, string basic, int runs, TextWriter log)
    {
        var served = new List<double>();
        var firstToken = new List<double>();

        // Run 0 makes the key file and warms the disk cache; it is not counted.
        for (var run = 0; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            await using var host = await StartAsync(appDirectory, storage, keyPath);
            var servedMs = clock.Elapsed.TotalMilliseconds;
            using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            using var request = TokenRequest(basic);
            var response = await http.SendAsync(request);
            var tokenMs = clock.Elapsed.TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The worker's first token request answered {(int)response.StatusCode}:{Environment.NewLine}{host.Output}");
            }

            log.WriteLine($"  worker run {run}: routes served {servedMs:F0} ms, first token {tokenMs:F0} ms{(run == 0 ? " (not counted)" : "")}");
            if (run > 0)
            {
                served.Add(servedMs);
                firstToken.Add(tokenMs);
            }
        }

        return new StartupResult("Functions worker via the host emulator", served, firstToken);
    }

    private static async Task<(LoadResult Local, LoadResult Worker)> MeasureLoadAsync(
        AzuriteServer azurite, string appDirectory, StorageOptions storage, string keyPath, string basic, LoadSettings settings, TextWriter log)
    {
        var wrk = new WrkRun(Path.Combine(AppContext.BaseDirectory, "wrk", "bench.lua"), settings.Threads, settings.Connections, settings.WrkCpus);
        var duration = TimeSpan.FromSeconds(settings.DurationSeconds);
        var warmUp = TimeSpan.FromSeconds(2);
        const string ClientCredentials = "const:grant_type=client_credentials&scope=read";

        LoadResult local;
        await using (var host = await BenchmarkHost.StartAsync(azurite, new SigningSetup("Local", "ES256")))
        {
            var (api, apiSecret) = await host.AddConfidentialClientAsync();
            var token = new Uri(host.BaseAddress, "token");
            var localBasic = FlowClient.BasicAuthorization(api.ClientId, apiSecret);
            await wrk.RunAsync(token, warmUp, "POST", ClientCredentials, localBasic);
            log.WriteLine("  client_credentials, local host");
            local = await HttpLoadRun.MeasureAsync("client_credentials, local host", () => wrk.RunAsync(token, duration, "POST", ClientCredentials, localBasic));
        }

        await using (var host = await StartAsync(appDirectory, storage, keyPath))
        {
            var token = new Uri(host.BaseAddress, "token");
            using var worker = Process.GetProcessById(host.WorkerProcessId);
            await wrk.RunAsync(token, warmUp, "POST", ClientCredentials, basic);
            log.WriteLine("  client_credentials, Functions worker via the host emulator");
            var measured = await HttpLoadRun.MeasureAsync("client_credentials, Functions worker via the host emulator", () => wrk.RunAsync(token, duration, "POST", ClientCredentials, basic), worker);
            return (local, measured);
        }
    }

    private static Task<FunctionsHostEmulator> StartAsync(string appDirectory, StorageOptions storage, string keyPath)
    {
        var port = FreePort.Next();
        return FunctionsHostEmulator.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = appDirectory,
            HttpPort = port,
            UseLocalSettings = false,
            Settings = new Dictionary<string, string?>
            {
                ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
                ["OAuth__Issuer"] = $"http://127.0.0.1:{port}",
                ["OAuth__Storage__ConnectionString"] = storage.ConnectionString,
                ["OAuth__Storage__TablePrefix"] = storage.TablePrefix,
                ["OAuth__Signing__LocalKeyPath"] = keyPath,
                ["OAuth__Signing__Algorithm"] = "ES256",
                ["Logging__LogLevel__Default"] = "Warning",
            },
        });
    }

    private static HttpRequestMessage TokenRequest(string basic)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "read")]),
        };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(basic);
        return request;
    }
}
