using Serverless.Benchmarks.Hosting;
using Serverless.Testing;

namespace Serverless.Benchmarks.Load;

/// <summary>How wrk was run.</summary>
public sealed record LoadSettings(int Threads, int Connections, int DurationSeconds, string? WrkCpus);

/// <summary>
/// One measured scenario. <see cref="ServerCpuMicrosecondsPerRequest"/> is the CPU time of this process (the server;
/// wrk and Azurite are other processes) during the run, divided by the requests served.
/// </summary>
public sealed record LoadResult(string Scenario, WrkResult Result, double ServerCpuMicrosecondsPerRequest);

/// <summary>
/// End-to-end HTTP on 127.0.0.1: the local host (in this process, real Kestrel, Azurite storage) under wrk, with the
/// trivial constant-JSON endpoint measured in the same run, through the same connection settings.
/// </summary>
public static class HttpLoadRun
{
    public static async Task<IReadOnlyList<LoadResult>> RunAsync(AzuriteServer azurite, string workDirectory, LoadSettings settings, TextWriter log)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "wrk", "bench.lua");
        var wrk = new WrkRun(script, settings.Threads, settings.Connections, settings.WrkCpus);
        var duration = TimeSpan.FromSeconds(settings.DurationSeconds);
        var warmUp = TimeSpan.FromSeconds(2);
        var results = new List<LoadResult>();

        await using (var host = await BenchmarkHost.StartAsync(azurite, new SigningSetup("Local", "ES256")))
        {
            var (api, secret) = await host.AddConfidentialClientAsync();
            var spa = await host.AddPublicClientAsync();
            var user = await host.AddUserAsync();
            using (var http = host.NewHttpClient())
            {
                // The first token of an instance pays table creation, the client read and PBKDF2 once: not measured here.
                await new FlowClient(http).ClientCredentialsAsync(api.ClientId, secret);
            }

            var constant = new Uri(host.BaseAddress, BenchmarkHost.ConstantPath.TrimStart('/'));
            var token = new Uri(host.BaseAddress, "token");
            const string ClientCredentials = "const:grant_type=client_credentials&scope=read";
            var basic = FlowClient.BasicAuthorization(api.ClientId, secret);

            log.WriteLine("  warming up (trivial endpoint, client_credentials)");
            await wrk.RunAsync(constant, warmUp, "GET", "-", null);
            await wrk.RunAsync(token, warmUp, "POST", ClientCredentials, basic);

            log.WriteLine("  trivial endpoint");
            results.Add(await MeasureAsync("trivial GET /bench/constant", () => wrk.RunAsync(constant, duration, "GET", "-", null)));
            log.WriteLine("  client_credentials, Local ES256");
            results.Add(await MeasureAsync("client_credentials, Local ES256", () => wrk.RunAsync(token, duration, "POST", ClientCredentials, basic)));

            var minter = new TokenMinter(host, spa.ClientId, user.Subject);
            results.Add(await RunSingleUseAsync(
                "code exchange, Local ES256", wrk, token, duration, workDirectory, log,
                async n => (await minter.MintCodesAsync(n)).Select(c => TokenMinter.CodeExchangeBody(spa.ClientId, c)).ToArray()));
            results.Add(await RunSingleUseAsync(
                "refresh, Local ES256", wrk, token, duration, workDirectory, log,
                async n => (await minter.MintRefreshTokensAsync(n)).Select(t => TokenMinter.RefreshBody(spa.ClientId, t)).ToArray()));

            log.WriteLine("  /resource");
            string accessToken;
            using (var http = host.NewHttpClient())
            {
                accessToken = (await new FlowClient(http).ClientCredentialsAsync(api.ClientId, secret)).AccessToken;
            }

            var resource = new Uri(host.BaseAddress, "resource");
            await wrk.RunAsync(resource, warmUp, "GET", "-", "Bearer " + accessToken);
            results.Add(await MeasureAsync("/resource (validate an ES256 token, one revocation query)", () => wrk.RunAsync(resource, duration, "GET", "-", "Bearer " + accessToken)));

            log.WriteLine("  trivial endpoint, again (drift check)");
            results.Add(await MeasureAsync("trivial GET /bench/constant (again, after the storage-bound runs)", () => wrk.RunAsync(constant, duration, "GET", "-", null)));
        }

        await using (var host = await BenchmarkHost.StartAsync(azurite, new SigningSetup("Local", "RS256")))
        {
            var (api, secret) = await host.AddConfidentialClientAsync();
            using (var http = host.NewHttpClient())
            {
                await new FlowClient(http).ClientCredentialsAsync(api.ClientId, secret);
            }

            var token = new Uri(host.BaseAddress, "token");
            var basic = FlowClient.BasicAuthorization(api.ClientId, secret);
            await wrk.RunAsync(token, warmUp, "POST", "const:grant_type=client_credentials&scope=read", basic);
            log.WriteLine("  client_credentials, Local RS256");
            results.Add(await MeasureAsync("client_credentials, Local RS256", () => wrk.RunAsync(token, duration, "POST", "const:grant_type=client_credentials&scope=read", basic)));
        }

        return results;
    }

    /// <summary>
    /// Single-use inputs: a short calibration run on its own batch (which also warms the path up) tells how many a
    /// full run consumes; then that many, with a margin, are minted and the run is measured.
    /// </summary>
    private static async Task<LoadResult> RunSingleUseAsync(
        string scenario, WrkRun wrk, Uri url, TimeSpan duration, string workDirectory, TextWriter log, Func<int, Task<string[]>> mint)
    {
        const int CalibrationCount = 3000;
        var calibrationFile = Path.Combine(workDirectory, "calibration.txt");
        await File.WriteAllLinesAsync(calibrationFile, await mint(CalibrationCount));
        var calibration = await wrk.RunAsync(url, TimeSpan.FromSeconds(1), "POST", calibrationFile, null);
        // A run that used the whole batch was cut short: its rate is a lower bound, so take a wider margin.
        var rate = calibration.Requests >= CalibrationCount ? calibration.Requests * 2.0 : calibration.RequestsPerSecond;
        var count = (int)Math.Ceiling(rate * duration.TotalSeconds * 1.4) + 500;
        log.WriteLine($"  {scenario}: minting {count} (calibration {calibration.RequestsPerSecond:F0}/s)");
        var file = Path.Combine(workDirectory, scenario.Split(',')[0].Replace(' ', '-') + ".txt");
        await File.WriteAllLinesAsync(file, await mint(count));
        log.WriteLine($"  {scenario}");
        var measured = await MeasureAsync(scenario, () => wrk.RunAsync(url, duration, "POST", file, null));
        if (measured.Result.Requests >= count)
        {
            log.WriteLine($"  warning: {scenario} used every minted input; its rate is a lower bound");
        }

        return measured;
    }

    /// <summary>One wrk run; the server's CPU is this process's plus that of <paramref name="alsoServing"/> (e.g. a worker process).</summary>
    internal static async Task<LoadResult> MeasureAsync(string scenario, Func<Task<WrkResult>> run, params System.Diagnostics.Process[] alsoServing)
    {
        System.Diagnostics.Process[] serving = [System.Diagnostics.Process.GetCurrentProcess(), .. alsoServing];
        var before = serving.Sum(p => p.TotalProcessorTime.TotalMicroseconds);
        var result = await run();
        foreach (var process in serving)
        {
            process.Refresh();
        }

        var cpu = serving.Sum(p => p.TotalProcessorTime.TotalMicroseconds) - before;
        return new LoadResult(scenario, result, result.Requests == 0 ? 0 : cpu / result.Requests);
    }
}
