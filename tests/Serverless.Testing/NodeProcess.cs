using System.Diagnostics;
using System.Text.Json;

namespace Serverless.Testing;

/// <summary>
/// A Node.js script that answers in JSON lines while it runs (a device flow prints its user code, then polls until the
/// user has answered): JSON in on stdin, each line read as it comes. Disposing it ends the process.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly string _script;
    private readonly Process _process;
    private readonly Task<string> _error;

    private NodeProcess(string script, Process process)
    {
        _script = script;
        _process = process;
        _error = process.StandardError.ReadToEndAsync();
    }

    public static NodeProcess Start(string scriptPath, object input)
    {
        var start = new ProcessStartInfo("node", [scriptPath])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(scriptPath)!,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        process.StandardInput.Write(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        return new NodeProcess(Path.GetFileName(scriptPath), process);
    }

    /// <summary>The next JSON line; a script that ends first, or says nothing in time, throws with its stderr.</summary>
    public async Task<JsonElement> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node {_script} said nothing in time.");
        }

        if (line is null)
        {
            await _process.WaitForExitAsync();
            throw new InvalidOperationException($"node {_script} ended ({_process.ExitCode}): {await _error}");
        }

        return JsonDocument.Parse(line).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
