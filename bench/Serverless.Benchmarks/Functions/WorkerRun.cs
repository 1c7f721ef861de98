using System.Diagnostics;
using System.Net.Http.Headers;
using Serverless.Benchmarks.Hosting;
using Serverless.Benchmarks.Load;
using Serverless.Benchmarks.Startup;
using Serverless.FunctionsHost;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.Testing;

namespace Serverless.Benchmarks.Functions;

/// <summary>
/// One build of the Functions app to run under the emulator: a label, the published folder, and settings added to
/// the worker's environment (e.g. DOTNET_ReadyToRun=0 to run a ReadyToRun build as JIT only).
/// Given on the command line as "label=path" or "label=path|NAME=value|NAME=value".
/// </summary>
public sealed record WorkerVariant(string Label, string AppDirectory, IReadOnlyDictionary<string, string> Environment)
{
    public static WorkerVariant Parse(string argument)
    {
        var separator = argument.IndexOf('=');
        var (label, rest) = separator < 0 || argument[..separator].Contains('/') ? ("Functions worker", argument) : (argument[..separator], argument[(separator + 1)..]);
        var parts = rest.Split('|');
        var environment = parts.Skip(1).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        return new WorkerVariant(label, Path.GetFullPath(parts[0]), environment);
    }
}

/// <summary>
/// One start-up, in milliseconds from the emulator starting the worker process: the worker's gRPC stream open, its
/// init answered, its functions indexed and loaded, its HTTP listener up (routes served), the first token served; and
/// the CPU time the worker process had used by then (less sensitive than the wall clock to a machine shared with others).
/// </summary>
public sealed record WorkerStartupRun(double StreamStarted, double Initialized, double Indexed, double Loaded, double Serving, double FirstToken, double WorkerCpuMs = 0);

/// <summary>A variant's start-up runs (median per step).</summary>
public sealed record WorkerStartup(string Variant, IReadOnlyList<WorkerStartupRun> Runs)
{
    public double Median(Func<WorkerStartupRun, double> step)
    {
        var sorted = Runs.Select(step).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// client_credentials through one variant of the worker path: the whole (emulator + worker) and each process's own
/// CPU per request: the emulator's (this process: gRPC invocation, YARP forwarding; on Azure the Functions host's work)
/// and the worker process's (its Kestrel, the invocation pipeline, the core).
/// </summary>
public sealed record WorkerLoad(string Variant, LoadResult Total, double EmulatorCpuMicrosecondsPerRequest, double WorkerCpuMicrosecondsPerRequest, double WorkerRpcLogsPerRequest);

/// <summary>The Functions app's worker through the host emulator, each variant beside the local host in the same run.</summary>
public sealed record WorkerFigures(
    LoadSettings Settings,
    StartupResult? LocalStartup,
    IReadOnlyList<WorkerStartup> Startups,
    IReadOnlyList<LoadResult> LocalHost,
    IReadOnlyList<WorkerLoad> Workers,
    int WarmUpSeconds = WorkerRun.DefaultWarmUpSeconds);

/// <summary>
/// The published Functions app run as the host runs it (the worker as its own process, behind the emulator's gRPC
/// channel and YARP forwarding in this process). Start-up is timed from the start of the worker process until the
/// first client_credentials token is served through it, with the time of each start-up step; the variants (and the
/// published local host, when given) take turns run by run, so that the machine's drift falls on all of them alike.
/// Per-request cost is wrk with the same settings against the local host (in this process) before and after the
/// worker variants, each worker variant in turn; the emulator's and the worker process's CPU are measured apart.
/// Each is measured after a warm-up under the same load. A worker published ReadyToRun spends its first 10-20 s
/// under load re-compiling its hot methods (tiered compilation: a quarter of its CPU in a profile), so a short
/// warm-up measures that start-up work, and a long one (e.g. 30 s) the worker's steady state.
/// </summary>
public static class WorkerRun
{
    public const int DefaultWarmUpSeconds = 2;

    public static async Task<WorkerFigures> RunAsync(
        AzuriteServer azurite, IReadOnlyList<WorkerVariant> variants, string? localHostPath, int runs, LoadSettings settings, TextWriter log,
        int warmUpSeconds = DefaultWarmUpSeconds)
    {
        var storage = azurite.NewStorage();
        var secret = await StartupRun.AddTokenClientAsync(storage, "worker-api");
        var basic = FlowClient.BasicAuthorization("worker-api", secret);
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-bench-worker-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var (local, startups) = await MeasureStartupAsync(azurite, variants, localHostPath, storage, keyPath, basic, runs, log);
            var (localLoads, workers) = await MeasureLoadAsync(azurite, variants, storage, keyPath, basic, settings, TimeSpan.FromSeconds(warmUpSeconds), log);
            return new WorkerFigures(settings, local, startups, localLoads, workers, warmUpSeconds);
        }
        finally
        {
            File.Delete(keyPath);
        }
    }

    private static async Task<(StartupResult? Local, IReadOnlyList<WorkerStartup> Workers)> MeasureStartupAsync(
        AzuriteServer azurite, IReadOnlyList<WorkerVariant> variants, string? localHostPath, StorageOptions storage, string keyPath, string basic, int runs, TextWriter log)
    {
        var measured = variants.ToDictionary(v => v.Label, _ => new List<WorkerStartupRun>());
        var localListening = new List<double>();
        var localFirstToken = new List<double>();
        var localKey = Path.Combine(Path.GetTempPath(), "oauth-bench-worker-local-" + Guid.NewGuid().ToString("N") + ".json");
        var localSecret = localHostPath is null ? null : await StartupRun.AddTokenClientAsync(storage, "worker-local-api");
        try
        {
            // Run 0 makes the key file and warms the disk cache; it is not counted. Then the variants take turns.
            for (var run = 0; run <= runs; run++)
            {
                foreach (var variant in variants)
                {
                    var timing = await StartOnceAsync(variant, storage, keyPath, basic);
                    log.WriteLine($"  {variant.Label} run {run}: stream {timing.StreamStarted:F0}, init {timing.Initialized:F0}, indexed {timing.Indexed:F0}, loaded {timing.Loaded:F0}, serving {timing.Serving:F0}, first token {timing.FirstToken:F0} ms, worker CPU {timing.WorkerCpuMs:F0} ms{(run == 0 ? " (not counted)" : "")}");
                    if (run > 0)
                    {
                        measured[variant.Label].Add(timing);
                    }
                }

                if (localHostPath is not null)
                {
                    var (listening, token) = await StartupRun.MeasureOnceAsync(localHostPath, storage, localKey,
                        new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("worker-local-api:" + localSecret))));
                    log.WriteLine($"  local host run {run}: listening {listening:F0} ms, first token {token:F0} ms{(run == 0 ? " (not counted)" : "")}");
                    if (run > 0)
                    {
                        localListening.Add(listening);
                        localFirstToken.Add(token);
                    }
                }
            }
        }
        finally
        {
            File.Delete(localKey);
        }

        var local = localHostPath is null ? null : new StartupResult("local host (" + Path.GetFileName(localHostPath) + ")", localListening, localFirstToken);
        return (local, variants.Select(v => new WorkerStartup(v.Label, measured[v.Label])).ToList());
    }

    private static async Task<WorkerStartupRun> StartOnceAsync(WorkerVariant variant, StorageOptions storage, string keyPath, string basic)
    {
        await using var host = await StartAsync(variant, storage, keyPath);
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var request = TokenRequest(basic);
        var response = await http.SendAsync(request);
        var timeline = host.Timeline;
        var firstToken = timeline.Now();
        using var worker = Process.GetProcessById(host.WorkerProcessId);
        var workerCpu = worker.TotalProcessorTime.TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The worker's first token request answered {(int)response.StatusCode}:{Environment.NewLine}{host.Output}");
        }

        return new WorkerStartupRun(
            timeline.StreamStarted ?? 0, timeline.Initialized ?? 0, timeline.Indexed ?? 0, timeline.Loaded ?? 0, timeline.Listening ?? 0, firstToken, workerCpu);
    }

    private static async Task<(IReadOnlyList<LoadResult> Local, IReadOnlyList<WorkerLoad> Workers)> MeasureLoadAsync(
        AzuriteServer azurite, IReadOnlyList<WorkerVariant> variants, StorageOptions storage, string keyPath, string basic, LoadSettings settings, TimeSpan warmUp, TextWriter log)
    {
        var wrk = new WrkRun(Path.Combine(AppContext.BaseDirectory, "wrk", "bench.lua"), settings.Threads, settings.Connections, settings.WrkCpus);
        var duration = TimeSpan.FromSeconds(settings.DurationSeconds);
        const string ClientCredentials = "const:grant_type=client_credentials&scope=read";
        var local = new List<LoadResult>();
        var workers = new List<WorkerLoad>();

        // The local host before and after the workers: the two runs bracket the machine's drift.
        await using var localHost = await BenchmarkHost.StartAsync(azurite, new SigningSetup("Local", "ES256"));
        var (api, apiSecret) = await localHost.AddConfidentialClientAsync();
        var localToken = new Uri(localHost.BaseAddress, "token");
        var localBasic = FlowClient.BasicAuthorization(api.ClientId, apiSecret);
        await wrk.RunAsync(localToken, warmUp, "POST", ClientCredentials, localBasic);

        async Task MeasureLocalAsync(string when)
        {
            log.WriteLine($"  client_credentials, local host ({when})");
            local.Add(await HttpLoadRun.MeasureAsync($"client_credentials, local host ({when})", () => wrk.RunAsync(localToken, duration, "POST", ClientCredentials, localBasic)));
        }

        await MeasureLocalAsync("before");
        foreach (var variant in variants)
        {
            await using var host = await StartAsync(variant, storage, keyPath);
            var token = new Uri(host.BaseAddress, "token");
            using var worker = Process.GetProcessById(host.WorkerProcessId);

            // The first token of an instance pays the client read and PBKDF2 once, and the first requests the JIT:
            // not measured here (the start-up runs are).
            using (var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) })
            using (var first = TokenRequest(basic))
            {
                (await http.SendAsync(first)).EnsureSuccessStatusCode();
            }

            await wrk.RunAsync(token, warmUp, "POST", ClientCredentials, basic);
            log.WriteLine($"  client_credentials, {variant.Label}");
            using var self = Process.GetCurrentProcess();
            var emulatorBefore = self.TotalProcessorTime;
            worker.Refresh();
            var workerBefore = worker.TotalProcessorTime;
            var logsBefore = host.Output.RpcLogCount;
            var total = await HttpLoadRun.MeasureAsync($"client_credentials, {variant.Label}", () => wrk.RunAsync(token, duration, "POST", ClientCredentials, basic), worker);
            self.Refresh();
            worker.Refresh();
            var requests = Math.Max(1, total.Result.Requests);
            foreach (var line in host.Output.Lines.Where(l => l.StartsWith("[worker log]", StringComparison.Ordinal)).Select(l => l.Length > 160 ? l[..160] : l).Distinct().Take(5))
            {
                log.WriteLine("    " + line);
            }

            workers.Add(new WorkerLoad(
                variant.Label,
                total,
                (self.TotalProcessorTime - emulatorBefore).TotalMicroseconds / requests,
                (worker.TotalProcessorTime - workerBefore).TotalMicroseconds / requests,
                (host.Output.RpcLogCount - logsBefore) / (double)requests));
        }

        await MeasureLocalAsync("after");
        return (local, workers);
    }

    private static Task<FunctionsHostEmulator> StartAsync(WorkerVariant variant, StorageOptions storage, string keyPath)
    {
        var port = FreePort.Next();
        var settings = new Dictionary<string, string?>
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
            ["OAuth__Issuer"] = $"http://127.0.0.1:{port}",
            ["OAuth__Storage__ConnectionString"] = storage.ConnectionString,
            ["OAuth__Storage__TablePrefix"] = storage.TablePrefix,
            ["OAuth__Signing__LocalKeyPath"] = keyPath,
            ["OAuth__Signing__Algorithm"] = "ES256",
        };
        foreach (var (name, value) in variant.Environment)
        {
            settings[name] = value;
        }

        return FunctionsHostEmulator.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = variant.AppDirectory,
            HttpPort = port,
            UseLocalSettings = false,
            Settings = settings,
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
