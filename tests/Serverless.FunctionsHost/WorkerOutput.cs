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
    private long _returnValues;
    private long _invocationResponses;

    /// <summary>How many RpcLog messages the worker has sent over its stream (each one a gRPC message the host handles).</summary>
    public long RpcLogCount => Interlocked.Read(ref _rpcLogs);

    internal void CountRpcLog() => Interlocked.Increment(ref _rpcLogs);

    /// <summary>
    /// How many InvocationResponses carried a return value. In proxy mode the host ignores an HTTP function's return
    /// value (the response went back over HTTP), so each one is work the worker did for nothing.
    /// </summary>
    public long ReturnValueCount => Interlocked.Read(ref _returnValues);

    /// <summary>How many InvocationResponses the worker has sent (an HTTP client may have its answer a little before).</summary>
    public long InvocationResponseCount => Interlocked.Read(ref _invocationResponses);

    internal void CountInvocationResponse(bool withReturnValue)
    {
        if (withReturnValue)
        {
            Interlocked.Increment(ref _returnValues);
        }

        Interlocked.Increment(ref _invocationResponses);
    }

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
