namespace Serverless.FunctionsHost;

/// <summary>
/// What the worker said: its stdout and stderr lines and the RpcLog messages it sent over the stream, in arrival order,
/// the latest <see cref="Capacity"/> kept. Failures quote it, so a test that cannot start the worker says why.
/// </summary>
public sealed class WorkerOutput(Action<string>? echo = null)
{
    public const int Capacity = 400;

    private readonly Queue<string> _lines = new();
    private long _rpcLogs;

    /// <summary>How many RpcLog messages the worker has sent over its stream (each one a gRPC message the host handles).</summary>
    public long RpcLogCount => Interlocked.Read(ref _rpcLogs);

    internal void CountRpcLog() => Interlocked.Increment(ref _rpcLogs);

    public void Add(string source, string line)
    {
        var entry = $"[{source}] {line}";
        lock (_lines)
        {
            _lines.Enqueue(entry);
            if (_lines.Count > Capacity)
            {
                _lines.Dequeue();
            }
        }

        echo?.Invoke(entry);
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Lines);
}
