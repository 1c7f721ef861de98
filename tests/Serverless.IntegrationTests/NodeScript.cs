using System.Diagnostics;
using System.Text.Json;

namespace Serverless.IntegrationTests;

/// <summary>
/// Runs a Node.js script of tests/Serverless.IntegrationTests/Node (clients and servers this project did not write,
/// from the repository's node_modules): JSON in on stdin, JSON out on stdout; a non-zero exit fails the test with stderr.
/// </summary>
public static class NodeScript
{
    public static string Folder { get; } = Path.Combine(RepositoryPaths.Root, "tests", "Serverless.IntegrationTests", "Node");

    public static async Task<JsonElement> RunAsync(string script, object input, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(Folder, script)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish: {await error}");
        }

        Assert.True(process.ExitCode == 0, $"node {script} failed ({process.ExitCode}): {await error}{await output}");
        return JsonDocument.Parse(await output).RootElement.Clone();
    }

    /// <summary>
    /// Starts a script that answers in JSON lines while it runs (a device flow prints its user code, then waits for the
    /// user): the test reads each line as it comes, and <see cref="RunningScript.DisposeAsync"/> ends the process.
    /// </summary>
    public static RunningScript Start(string script, object input)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(Folder, script)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        process.StandardInput.Write(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        return new RunningScript(script, process);
    }

    public sealed class RunningScript(string script, Process process) : IAsyncDisposable
    {
        private readonly Task<string> _error = process.StandardError.ReadToEndAsync();

        /// <summary>The next JSON line; a script that ends first fails the test with its stderr.</summary>
        public async Task<JsonElement> ReadLineAsync(TimeSpan? timeout = null)
        {
            using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
            var line = await process.StandardOutput.ReadLineAsync(deadline.Token);
            if (line is null)
            {
                await process.WaitForExitAsync(deadline.Token);
                Assert.Fail($"node {script} ended ({process.ExitCode}): {await _error}");
            }

            return JsonDocument.Parse(line).RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
