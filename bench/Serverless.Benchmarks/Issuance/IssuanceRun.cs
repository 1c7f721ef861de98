using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Serverless.Benchmarks.Issuance;

/// <summary>
/// One row of an in-process table: mean time per token, tokens per second on one core, bytes per token.
/// <see cref="Variant"/> is the benchmark's other parameter, if any (the telemetry benchmark's listener).
/// </summary>
public sealed record IssuanceResult(
    string Method, string Algorithm, double MeanMicroseconds, double ErrorMicroseconds, double TokensPerSecond, long AllocatedBytes, string? Variant = null);

/// <summary>
/// Runs an in-process benchmark class (<see cref="IssuanceBenchmarks"/>, <see cref="TelemetryBenchmarks"/>) in this process (no per-benchmark build: the whole script must stay short on
/// two cores) with a short throughput job, and returns the figures the report needs.
/// </summary>
public static class IssuanceRun
{
    public static IReadOnlyList<IssuanceResult> Run<TBenchmarks>(string artifactsPath, bool quick)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithStrategy(RunStrategy.Throughput)
            .WithLaunchCount(1)
            .WithWarmupCount(quick ? 1 : 3)
            .WithIterationCount(quick ? 3 : 10);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(artifactsPath)
            .WithOptions(ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<TBenchmarks>(config);
        return summary.Reports
            .Where(r => r.Success && r.ResultStatistics is not null)
            .Select(r => new IssuanceResult(
                r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\''),
                (string)r.BenchmarkCase.Parameters["Algorithm"],
                r.ResultStatistics!.Mean / 1000.0,
                r.ResultStatistics.ConfidenceInterval.Margin / 1000.0,
                1e9 / r.ResultStatistics.Mean,
                r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) ?? 0,
                r.BenchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name != "Algorithm")?.Value?.ToString()))
            .ToList();
    }
}
