using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Serverless.FunctionsHost.Rpc;

namespace Serverless.FunctionsHost;

/// <summary>
/// The host's end of the worker's EventStream (GrpcWorkerChannel): start-up (StartStream, WorkerInit, worker indexing,
/// one FunctionLoadRequest per function), then invocations matched to their responses by invocation id, and the
/// worker's RpcLog messages written to <see cref="WorkerOutput"/>. One worker, one stream.
/// </summary>
internal sealed class WorkerChannel(AppFolder app, WorkerOutput output)
{
    private readonly Channel<StreamingMessage> _outbox = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResponse>> _invocations = new();
    private readonly TaskCompletionSource<IReadOnlyList<LoadedFunction>> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, LoadedFunction> _pendingLoads = [];
    private readonly List<LoadedFunction> _functions = [];
    private int _streams;

    /// <summary>Completes when every indexed function is loaded; fails with the worker's reason when start-up fails.</summary>
    public Task<IReadOnlyList<LoadedFunction>> Loaded => _loaded.Task;

    /// <summary>Where the worker's ASP.NET Core integration listens (its HttpUri capability).</summary>
    public Uri? HttpUri { get; private set; }

    /// <summary>When each start-up message arrived, for the bench's start-up breakdown.</summary>
    public StartupTimeline Timeline { get; } = new();

    public async Task RunStreamAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _streams) != 1)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.FailedPrecondition, "This host serves one worker stream."));
        }

        var writing = WriteAllAsync(responses, cancellationToken);
        try
        {
            if (!await requests.MoveNext(cancellationToken) || requests.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
            {
                throw new InvalidOperationException("The worker's first message was not StartStream.");
            }

            Timeline.StreamStarted = Timeline.Now();

            Send(new StreamingMessage
            {
                RequestId = NewRequestId(),
                WorkerInitRequest = new WorkerInitRequest
                {
                    HostVersion = "4.0.0-emulator",
                    FunctionAppDirectory = app.Directory,
                    WorkerDirectory = app.Directory,
                    Capabilities = { ["MultiStream"] = "10" },
                },
            });

            while (await requests.MoveNext(cancellationToken))
            {
                Receive(requests.Current);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            _loaded.TrySetException(new InvalidOperationException("The worker's stream failed during start-up: " + e.Message, e));
        }
        finally
        {
            _outbox.Writer.TryComplete();
            var gone = new InvalidOperationException("The worker closed its stream.");
            _loaded.TrySetException(gone);
            foreach (var invocation in _invocations.Values)
            {
                invocation.TrySetException(gone);
            }

            await writing;
        }
    }

    /// <summary>Sends the invocation and waits for the worker's response to it.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        var response = new TaskCompletionSource<InvocationResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _invocations[request.InvocationId] = response;
        try
        {
            Send(new StreamingMessage { RequestId = NewRequestId(), InvocationRequest = request });
            await using (cancellationToken.Register(() => Send(new StreamingMessage
            {
                RequestId = NewRequestId(),
                InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId },
            })))
            {
                return await response.Task;
            }
        }
        finally
        {
            _invocations.TryRemove(request.InvocationId, out _);
        }
    }

    /// <summary>Asks the worker to stop (it calls StopApplication); the host ends the process after the grace period.</summary>
    public void Terminate(TimeSpan gracePeriod) =>
        Send(new StreamingMessage { RequestId = NewRequestId(), WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } });

    private void Receive(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.RpcLog:
                Log(message.RpcLog);
                break;
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                var init = message.WorkerInitResponse;
                if (init.Result?.Status != StatusResult.Types.Status.Success)
                {
                    Fail("WorkerInitResponse", init.Result);
                    return;
                }

                Timeline.Initialized = Timeline.Now();
                HttpUri = init.Capabilities.TryGetValue("HttpUri", out var httpUri) ? new Uri(httpUri) : null;
                Send(new StreamingMessage
                {
                    RequestId = NewRequestId(),
                    FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = app.Directory },
                });
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                Timeline.Indexed = Timeline.Now();
                LoadAll(message.FunctionMetadataResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                var load = message.FunctionLoadResponse;
                if (load.Result?.Status != StatusResult.Types.Status.Success)
                {
                    Fail($"FunctionLoadResponse for {load.FunctionId}", load.Result);
                    return;
                }

                if (_pendingLoads.Remove(load.FunctionId, out var function))
                {
                    _functions.Add(function);
                }

                if (_pendingLoads.Count == 0)
                {
                    Timeline.Loaded = Timeline.Now();
                    _loaded.TrySetResult(_functions.ToList());
                }

                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                output.CountInvocationResponse(message.InvocationResponse.ReturnValue is { DataCase: not TypedData.DataOneofCase.None });
                if (_invocations.TryGetValue(message.InvocationResponse.InvocationId, out var pending))
                {
                    pending.TrySetResult(message.InvocationResponse);
                }

                break;
            default:
                // WorkerStatusResponse, and the content-less acknowledgement the worker sends after WorkerTerminate
                // or InvocationCancel: nothing to do.
                break;
        }
    }

    private void LoadAll(FunctionMetadataResponse response)
    {
        if (response.Result?.Status != StatusResult.Types.Status.Success)
        {
            Fail("FunctionMetadataResponse", response.Result);
            return;
        }

        if (response.UseDefaultMetadataIndexing)
        {
            _loaded.TrySetException(new InvalidOperationException("The worker asked for host indexing (functions.metadata); this emulator supports worker indexing only."));
            return;
        }

        foreach (var metadata in response.FunctionMetadataResults)
        {
            _pendingLoads[metadata.FunctionId] = LoadedFunction.From(metadata);
        }

        if (_pendingLoads.Count == 0)
        {
            _loaded.TrySetException(new InvalidOperationException("The worker indexed no functions."));
            return;
        }

        // The worker handles one FunctionLoadRequest per function; it does not advertise load collections.
        foreach (var metadata in response.FunctionMetadataResults)
        {
            var loaded = metadata.Clone();
            loaded.Directory = app.Directory;
            Send(new StreamingMessage
            {
                RequestId = NewRequestId(),
                FunctionLoadRequest = new FunctionLoadRequest { FunctionId = metadata.FunctionId, Metadata = loaded },
            });
        }
    }

    private void Fail(string step, StatusResult? result)
    {
        var reason = result?.Exception is { } exception ? $"{exception.Type}: {exception.Message}" : result?.Result ?? "no result";
        output.Add("host", $"{step} failed: {reason}");
        _loaded.TrySetException(new InvalidOperationException($"The worker's {step} failed: {reason}"));
    }

    private void Log(RpcLog log)
    {
        output.CountRpcLog();
        var exception = log.Exception is { } e ? $" {e.Type}: {e.Message}" : "";
        output.Add("worker log", $"{log.Level} {log.Category}: {log.Message}{exception}");
    }

    private void Send(StreamingMessage message) => _outbox.Writer.TryWrite(message);

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outbox.Reader.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The stream ended; RunStreamAsync fails whatever still waits.
        }
    }

    private static string NewRequestId() => Guid.NewGuid().ToString();
}

/// <summary>The gRPC service the worker connects to; it hands the stream to the one <see cref="WorkerChannel"/>.</summary>
internal sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context) =>
        channel.RunStreamAsync(requestStream, responseStream, context.CancellationToken);
}
