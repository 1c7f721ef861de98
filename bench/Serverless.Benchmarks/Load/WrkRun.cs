using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Serverless.Benchmarks.Load;

/// <summary>What wrk measured for one scenario (latencies in microseconds).</summary>
public sealed record WrkResult(
    [property: JsonPropertyName("requests")] long Requests,
    [property: JsonPropertyName("duration_us")] long DurationMicroseconds,
    [property: JsonPropertyName("p50_us")] long P50Microseconds,
    [property: JsonPropertyName("p90_us")] long P90Microseconds,
    [property: JsonPropertyName("p99_us")] long P99Microseconds,
    [property: JsonPropertyName("mean_us")] double MeanMicroseconds,
    [property: JsonPropertyName("status_errors")] long StatusErrors,
    [property: JsonPropertyName("socket_errors")] long SocketErrors)
{
    public double RequestsPerSecond => Requests / (DurationMicroseconds / 1e6);
}

/// <summary>Runs Debian's wrk with the harness's Lua script, optionally pinned to some CPUs with taskset.</summary>
public sealed class WrkRun(string script, int threads, int connections, string? cpuList)
{
    public async Task<WrkResult> RunAsync(Uri url, TimeSpan duration, string method, string bodies, string? authorization)
    {
        var start = new ProcessStartInfo(cpuList is null ? "wrk" : "taskset")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (cpuList is not null)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(cpuList);
            start.ArgumentList.Add("wrk");
        }

        foreach (var argument in new[]
        {
            "-t", threads.ToString(), "-c", connections.ToString(), "-d", $"{Math.Max(1, (int)duration.TotalSeconds)}s",
            "--timeout", "10s", "-s", script, url.ToString(), "--", method, bodies, authorization ?? "-",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start wrk.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = (await output).Split('\n').FirstOrDefault(l => l.StartsWith("WRK_JSON ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk printed no result (exit {process.ExitCode}): {await error}");
        return JsonSerializer.Deserialize<WrkResult>(line["WRK_JSON ".Length..])!;
    }
}
