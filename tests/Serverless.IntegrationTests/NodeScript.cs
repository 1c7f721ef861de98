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

    /// <summary>Starts a script of this folder that answers in JSON lines while it runs (<see cref="NodeProcess"/>).</summary>
    public static NodeProcess Start(string script, object input) => NodeProcess.Start(Path.Combine(Folder, script), input);
}
