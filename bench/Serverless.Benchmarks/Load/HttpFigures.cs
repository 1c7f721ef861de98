namespace Serverless.Benchmarks.Load;

/// <summary>The HTTP phase's output: how wrk ran, and each scenario's figures.</summary>
public sealed record HttpFigures(LoadSettings Settings, IReadOnlyList<LoadResult> Results);
