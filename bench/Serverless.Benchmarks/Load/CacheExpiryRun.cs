using Serverless.Benchmarks.Hosting;
using Serverless.Testing;

namespace Serverless.Benchmarks.Load;

/// <summary>
/// client_credentials under steady load across several client-cache expiries: each time the client and its verified
/// secret fall out of memory (every <see cref="CacheLifetimeSeconds"/>), the connections in flight check the secret
/// again at once. None of them may be refused: <see cref="NonSuccess"/> counts every answer that is not 2xx.
/// </summary>
public sealed record CacheExpiryFigures(
    LoadSettings Settings, double CacheLifetimeSeconds, double Periods, long Requests, double RequestsPerSecond, long NonSuccess, long SocketErrors, long P99Microseconds);

public static class CacheExpiryRun
{
    public static async Task<CacheExpiryFigures> RunAsync(AzuriteServer azurite, LoadSettings settings, TimeSpan cacheLifetime, TextWriter log)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "wrk", "bench.lua");
        var wrk = new WrkRun(script, settings.Threads, settings.Connections, settings.WrkCpus);
        // At least two whole lifetimes, so the run crosses two expiries or more.
        var duration = TimeSpan.FromSeconds(Math.Max(settings.DurationSeconds, Math.Ceiling(cacheLifetime.TotalSeconds * 2.5)));
        var lifetime = cacheLifetime.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        await using var host = await BenchmarkHost.StartAsync(
            azurite, new SigningSetup("Local", "ES256"), extraSettings: new Dictionary<string, string?> { ["OAuth:ClientCacheLifetime"] = lifetime });
        var (api, secret) = await host.AddConfidentialClientAsync();
        using (var http = host.NewHttpClient())
        {
            // Table creation and the first PBKDF2 are start-up, not this measure; the cache expires again within the run.
            await new FlowClient(http).ClientCredentialsAsync(api.ClientId, secret);
        }

        var token = new Uri(host.BaseAddress, "token");
        log.WriteLine($"  client_credentials, {settings.Connections} connections, {duration.TotalSeconds:F0} s, client cache lifetime {cacheLifetime.TotalSeconds:F0} s");
        var result = await wrk.RunAsync(token, duration, "POST", "const:grant_type=client_credentials&scope=read", FlowClient.BasicAuthorization(api.ClientId, secret));
        var periods = result.DurationMicroseconds / 1e6 / cacheLifetime.TotalSeconds;
        log.WriteLine($"  {result.Requests} requests ({result.RequestsPerSecond:F0}/s) across {periods:F1} cache lifetimes: {result.StatusErrors} not 2xx, {result.SocketErrors} socket errors");
        return new CacheExpiryFigures(settings, cacheLifetime.TotalSeconds, periods, result.Requests, result.RequestsPerSecond, result.StatusErrors, result.SocketErrors, result.P99Microseconds);
    }
}
