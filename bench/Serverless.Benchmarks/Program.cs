using Serverless.Benchmarks.Counting;
using Serverless.Benchmarks.Functions;
using Serverless.Benchmarks.Issuance;
using Serverless.Benchmarks.Load;
using Serverless.Benchmarks.Memory;
using Serverless.Benchmarks.Reporting;
using Serverless.Benchmarks.SideBySide;
using Serverless.Benchmarks.Startup;
using Serverless.Testing;

// bench/run.sh calls each phase in turn; each writes its JSON to --out, and "report" turns them into Markdown.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Serverless.Benchmarks issuance|telemetry|token-path|telemetry-volume|counts|http|cache-expiry|side-by-side|startup|worker|scale|soak|client-cache|purge|report --out DIR [options]");
    return 2;
}

var options = ParseOptions(args.Skip(1).ToArray());
var output = Path.GetFullPath(options.GetValueOrDefault("out") ?? Path.Combine("artifacts", "bench"));
Directory.CreateDirectory(output);

switch (args[0])
{
    case "issuance":
        ResultFiles.Write(output, ResultFiles.Issuance, IssuanceRun.Run<IssuanceBenchmarks>(Path.Combine(output, "BenchmarkDotNet"), options.ContainsKey("quick")));
        break;

    case "telemetry":
        ResultFiles.Write(output, ResultFiles.Telemetry, IssuanceRun.Run<TelemetryBenchmarks>(Path.Combine(output, "BenchmarkDotNet"), options.ContainsKey("quick")));
        break;

    case "token-path":
        ResultFiles.Write(output, ResultFiles.TokenPath, IssuanceRun.Run<TokenPathBenchmarks>(Path.Combine(output, "BenchmarkDotNet"), options.ContainsKey("quick")));
        break;

    case "telemetry-volume":
    {
        var tokens = int.Parse(options.GetValueOrDefault("tokens") ?? "2000");
        Console.WriteLine($"  {tokens} client_credentials tokens in process, every trace exported to a counting ingestion endpoint");
        ResultFiles.Write(output, ResultFiles.TelemetryVolume, TelemetryVolumeRun.Run(tokens, Console.Out));
        break;
    }

    case "counts":
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var repetitions = int.Parse(options.GetValueOrDefault("repetitions") ?? "10");
        ResultFiles.Write(output, ResultFiles.Counts, await OperationCounts.MeasureAsync(azurite, repetitions, Console.Out));
        break;
    }

    case "http":
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var settings = LoadSettingsFrom(options);
        var work = Path.Combine(output, "http-inputs");
        Directory.CreateDirectory(work);
        var results = await HttpLoadRun.RunAsync(azurite, work, settings, Console.Out);
        ResultFiles.Write(output, ResultFiles.Http, new HttpFigures(settings, results));
        Directory.Delete(work, recursive: true);
        break;
    }

    case "cache-expiry":
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var lifetime = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("cache-lifetime") ?? "3", System.Globalization.CultureInfo.InvariantCulture));
        var figures = await CacheExpiryRun.RunAsync(azurite, LoadSettingsFrom(options), lifetime, Console.Out);
        ResultFiles.Write(output, ResultFiles.CacheExpiry, figures);
        break;
    }

    case "side-by-side":
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var side = await SideBySideRun.RunAsync(azurite, Path.GetFullPath(options["local-host"]),
            options.Where(o => o.Key.StartsWith("also", StringComparison.Ordinal)).Select(o => o.Value).ToList(), Path.GetFullPath(options["openiddict"]),
            Path.GetFullPath(options.GetValueOrDefault("node-script") ?? Path.Combine(RepositoryPaths.Root, "bench", "SideBySide", "node-oidc-provider.mjs")),
            int.Parse(options.GetValueOrDefault("rounds") ?? "2"), double.Parse(options.GetValueOrDefault("min-ratio") ?? "1.5", System.Globalization.CultureInfo.InvariantCulture),
            LoadSettingsFrom(options), int.Parse(options.GetValueOrDefault("warm-up") ?? "6"), Console.Out);
        ResultFiles.Write(output, ResultFiles.SideBySide, side);
        return SideBySideReport.Guard(side, Console.Out) ? 0 : 1;
    }

    case "startup":
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var runs = int.Parse(options.GetValueOrDefault("runs") ?? "7");
        var results = new List<StartupResult>();
        // --host "label=path" may be given several times: each build of the local host is measured the same way.
        foreach (var host in options.Where(o => o.Key.StartsWith("host", StringComparison.Ordinal)).Select(o => o.Value))
        {
            var separator = host.IndexOf('=');
            results.Add(await StartupRun.RunAsync(azurite, host[..separator], Path.GetFullPath(host[(separator + 1)..]), runs, Console.Out));
        }

        ResultFiles.Write(output, ResultFiles.Startup, results);
        break;
    }

    case "worker":
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var settings = LoadSettingsFrom(options);
        // --app "label=path" (or "label=path|NAME=value|..." for settings added to the worker's environment), repeatable:
        // the variants take turns; --local-host PATH adds the published local host to the start-up turns.
        var variants = options.Where(o => o.Key.StartsWith("app", StringComparison.Ordinal)).Select(o => WorkerVariant.Parse(o.Value)).ToList();
        if (variants.Count == 0)
        {
            throw new ArgumentException("worker needs --app (a published Functions app)");
        }

        var localHost = options.GetValueOrDefault("local-host") is { Length: > 0 } path ? Path.GetFullPath(path) : null;
        var runs = int.Parse(options.GetValueOrDefault("runs") ?? "7");
        // --warm-up SECONDS: load before each measured run (local host and workers alike); see WorkerRun.
        var warmUp = options.GetValueOrDefault("warm-up") is { Length: > 0 } seconds ? int.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture) : WorkerRun.DefaultWarmUpSeconds;
        ResultFiles.Write(output, ResultFiles.Worker, await WorkerRun.RunAsync(azurite, variants, localHost, runs, settings, Console.Out, warmUp));
        break;
    }

    case "scale":
        Console.WriteLine("  simulating the key scheme at 100 to 100,000 requests/s of each kind");
        ResultFiles.Write(output, ResultFiles.Scale, Serverless.Benchmarks.Scale.ScaleModel.Run(output, Console.Out));
        break;

    case "soak":
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var duration = TimeSpan.FromSeconds(int.Parse(options.GetValueOrDefault("duration") ?? "600"));
        Console.WriteLine($"  mixed load for {duration.TotalMinutes:F1} min against the local host as its own process, purging every 30 s");
        var soak = await Serverless.Benchmarks.Soak.SoakRun.RunAsync(azurite, duration, Console.Out);
        ResultFiles.Write(output, ResultFiles.Soak, soak);
        Console.WriteLine($"  {soak.ServerErrors} x 5xx, {soak.RuleViolations} refresh rule violations");
        return soak.ServerErrors == 0 && soak.RuleViolations == 0 ? 0 : 1;
    }

    case "purge":
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var entries = int.Parse(options.GetValueOrDefault("entries") ?? "3000");
        Console.WriteLine($"  the purge before and after batching, and spread bucket by bucket, {entries} expired partitions each, twice in turn");
        ResultFiles.Write(output, ResultFiles.Purge, await Serverless.Benchmarks.Purge.PurgeRun.RunAsync(azurite, entries, Console.Out));
        break;
    }

    case "client-cache":
    {
        await using var azurite = await AzuriteServer.StartAsync();
        var requests = long.Parse(options.GetValueOrDefault("requests") ?? "1000000");
        var concurrency = int.Parse(options.GetValueOrDefault("concurrency") ?? "16");
        ResultFiles.Write(output, ResultFiles.ClientCache, await ClientCacheRun.RunAsync(azurite, requests, concurrency, Console.Out));
        break;
    }

    case "report":
    {
        var path = Path.Combine(output, "report.md");
        File.WriteAllText(path, ReportWriter.Write(output, options.GetValueOrDefault("elapsed")));
        Console.WriteLine("Report: " + path);
        break;
    }

    default:
        Console.Error.WriteLine($"Unknown phase '{args[0]}'.");
        return 2;
}

return 0;

// wrk's settings: --connections, --duration (seconds), --wrk-cpus (taskset's list); one thread.
static LoadSettings LoadSettingsFrom(Dictionary<string, string> options) => new(
    Threads: 1,
    Connections: int.Parse(options.GetValueOrDefault("connections") ?? "16"),
    DurationSeconds: int.Parse(options.GetValueOrDefault("duration") ?? "8"),
    WrkCpus: options.GetValueOrDefault("wrk-cpus"));

// "--name value" pairs; a repeated --host is kept as host, host1, host2, ...; a flag without value maps to "".
static Dictionary<string, string> ParseOptions(string[] arguments)
{
    var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < arguments.Length; i++)
    {
        if (!arguments[i].StartsWith("--", StringComparison.Ordinal))
        {
            continue;
        }

        var name = arguments[i][2..];
        var value = i + 1 < arguments.Length && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal) ? arguments[++i] : "";
        var key = name;
        for (var n = 1; parsed.ContainsKey(key); n++)
        {
            key = name + n;
        }

        parsed[key] = value;
    }

    return parsed;
}
