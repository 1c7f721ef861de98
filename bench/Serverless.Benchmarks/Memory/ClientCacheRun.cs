using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Serverless.Testing;

namespace Serverless.Benchmarks.Memory;

/// <summary>The server's working set (RSS) after so many requests.</summary>
public sealed record WorkingSetSample(long Requests, double MiB);

/// <summary>The server's working set (RSS, MiB) as a stream of random client ids went through it.</summary>
public sealed record ClientCacheResult(
    long Requests, int Concurrency, double Seconds, double BeforeMiB, double AfterMiB, double PeakMiB, IReadOnlyList<WorkingSetSample> Samples, long UnexpectedAnswers)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>
/// The built local host in its own process (Production); POST /token with client_credentials and a new random client_id each
/// time, so every request is an unknown client: one storage read and one "no such client" lookup for the cache. The
/// working set is read from the process (RSS) after a warm-up ("before"), every tenth of the run, and at the end.
/// A cache that kept every unknown id would grow with the run; a bounded one levels off.
/// </summary>
public static class ClientCacheRun
{
    private const int WarmUpRequests = 20_000;

    public static async Task<ClientCacheResult> RunAsync(AzuriteServer azurite, long requests, int concurrency, TextWriter log)
    {
        var storage = azurite.NewStorage();
        var port = FreePort.Next();
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-bench-cache-" + Guid.NewGuid().ToString("N") + ".json");
        await using var server = await LocalHostProcess.StartAsync(
            new Dictionary<string, string>
            {
                ["OAuth__Issuer"] = $"http://127.0.0.1:{port}",
                ["OAuth__Storage__ConnectionString"] = storage.ConnectionString!,
                ["OAuth__Storage__TablePrefix"] = storage.TablePrefix,
                ["OAuth__Signing__LocalKeyPath"] = keyPath,
                ["Logging__LogLevel__Default"] = "Warning",
            },
            port,
            aspNetCoreEnvironment: "Production");
        using var process = Process.GetProcessById(server.ProcessId);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await WaitUntilServingAsync(http);
            long unexpected = 0;
            await SendAsync(http, WarmUpRequests, concurrency, () => Interlocked.Increment(ref unexpected));
            var before = WorkingSetMiB(process);
            log.WriteLine($"  after {WarmUpRequests:N0} warm-up requests: {before:F1} MiB");

            var samples = new List<WorkingSetSample>();
            var peak = before;
            var clock = Stopwatch.StartNew();
            var step = requests / 10;
            for (long sent = 0; sent < requests; sent += step)
            {
                await SendAsync(http, Math.Min(step, requests - sent), concurrency, () => Interlocked.Increment(ref unexpected));
                var now = WorkingSetMiB(process);
                peak = Math.Max(peak, now);
                samples.Add(new WorkingSetSample(sent + step, now));
                log.WriteLine($"  {sent + step:N0} requests: {now:F1} MiB ({(sent + step) / clock.Elapsed.TotalSeconds:F0} req/s)");
            }

            var seconds = clock.Elapsed.TotalSeconds;
            return new ClientCacheResult(requests, concurrency, seconds, before, samples[^1].MiB, peak, samples, unexpected);
        }
        finally
        {
            File.Delete(keyPath);
        }
    }

    /// <summary>Listening is not serving yet: the first request also creates the tables.</summary>
    private static async Task WaitUntilServingAsync(HttpClient http)
    {
        using var response = await http.GetAsync(".well-known/oauth-authorization-server");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Sends <paramref name="count"/> token requests, each with a client_id never seen before.</summary>
    private static Task SendAsync(HttpClient http, long count, int concurrency, Action onUnexpected)
    {
        long next = 0;
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                var clientId = "bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
                using var content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("client_id", clientId), new("client_secret", "x")]);
                using var response = await http.PostAsync("token", content);
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    onUnexpected();
                }
            }
        }));
    }

    private static double WorkingSetMiB(Process process)
    {
        process.Refresh();
        return process.WorkingSet64 / (1024.0 * 1024);
    }
}
