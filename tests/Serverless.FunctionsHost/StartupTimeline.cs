using System.Diagnostics;

namespace Serverless.FunctionsHost;

/// <summary>
/// When the worker reached each step of its start-up, in milliseconds from the moment the emulator started its
/// process: its gRPC stream open (runtime start, host and DI build, hosted services that run before the worker's
/// client connects), WorkerInitResponse, worker indexing answered, every function loaded, its HTTP listener accepting
/// connections. Null for a step not reached. What the bench's start-up breakdown is made of.
/// </summary>
public sealed class StartupTimeline
{
    private long _processStarted = Stopwatch.GetTimestamp();

    public double? StreamStarted { get; internal set; }

    public double? Initialized { get; internal set; }

    public double? Indexed { get; internal set; }

    public double? Loaded { get; internal set; }

    public double? Listening { get; internal set; }

    internal void ProcessStarting() => _processStarted = Stopwatch.GetTimestamp();

    /// <summary>Milliseconds since the worker process was started.</summary>
    public double Now() => Stopwatch.GetElapsedTime(_processStarted).TotalMilliseconds;
}
