using System.Diagnostics;
using System.Globalization;

namespace Serverless.FunctionsHost;

/// <summary>
/// The worker as the Functions host starts it (RpcWorkerContext, DefaultWorkerProcessFactory): <c>dotnet App.dll</c>
/// in the app's folder with the host's command line and environment, its output captured.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public Task Exited { get; private init; } = Task.CompletedTask;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static WorkerProcess Start(AppFolder app, Uri grpcUri, string workerId, IReadOnlyDictionary<string, string?> settings, WorkerOutput output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = app.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(app.WorkerPath);

        // The host passes both sets of flags; the 2.x worker reads only the --functions-* ones. The message length
        // must be passed: the worker reads a missing one as 0 and then could send nothing.
        var maxMessageLength = int.MaxValue.ToString(CultureInfo.InvariantCulture);
        foreach (var argument in new[]
        {
            "--host", grpcUri.Host, "--port", grpcUri.Port.ToString(CultureInfo.InvariantCulture), "--workerId", workerId,
            "--requestId", Guid.NewGuid().ToString(), "--grpcMaxMessageLength", maxMessageLength,
            "--functions-uri", grpcUri.AbsoluteUri, "--functions-worker-id", workerId,
            "--functions-request-id", Guid.NewGuid().ToString(), "--functions-grpc-max-message-length", maxMessageLength,
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = app.Directory;
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = app.Directory;
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Add("worker stdout", e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Add("worker stderr", e.Data); };
        if (!process.Start())
        {
            throw new InvalidOperationException("Could not start 'dotnet " + app.WorkerPath + "'.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new WorkerProcess(process) { Exited = exited.Task };
    }

    /// <summary>Waits for the worker to leave by itself, then ends it and anything it started.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            await _process.WaitForExitAsync().WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
