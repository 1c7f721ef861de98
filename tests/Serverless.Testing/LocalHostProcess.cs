using System.Diagnostics;
using System.Reflection;

namespace Serverless.Testing;

/// <summary>
/// The built local host (Serverless.Local.dll) as its own process on a free 127.0.0.1 port, configured by environment
/// variables as a deployment would be. Its output is kept for assertions and failure messages.
/// </summary>
public sealed class LocalHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _log = [];

    private LocalHostProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>The host's build output, in the configuration the tests were built in.</summary>
    public static string OutputFolder => BuildOutput("Serverless.Local");

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>
    /// Starts the host with these settings ("OAuth__Issuer", ...) on <paramref name="port"/> (a free one when not given:
    /// pass one when a setting must name it) and waits until it listens.
    /// </summary>
    public static async Task<LocalHostProcess> StartAsync(IReadOnlyDictionary<string, string> environment, int? port = null, string aspNetCoreEnvironment = "Development")
    {
        port ??= FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = HostStartInfo(environment, aspNetCoreEnvironment);
        start.Environment["ASPNETCORE_URLS"] = baseAddress.ToString();
        var host = new LocalHostProcess(Process.Start(start)!, baseAddress);
        try
        {
            await FreePort.WaitUntilListeningAsync(port.Value, TimeSpan.FromSeconds(60));
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>The admin tool's build output (functions/Serverless.Admin), beside the host's.</summary>
    public static string AdminOutputFolder => BuildOutput("Serverless.Admin");

    private static string BuildOutput(string project) =>
        Path.Combine(RepositoryPaths.Root, "functions", project, "bin",
            typeof(LocalHostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration, "net10.0");

    /// <summary>Runs an admin command (e.g. "clients add ...") with the same settings, to its end; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAdminAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AdminOutputFolder, "Serverless.Admin.dll"), .. arguments])
        {
            WorkingDirectory = AdminOutputFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    private static ProcessStartInfo HostStartInfo(IReadOnlyDictionary<string, string> environment, string aspNetCoreEnvironment)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(OutputFolder, "Serverless.Local.dll")])
        {
            WorkingDirectory = OutputFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = aspNetCoreEnvironment;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    private void Add(string? line)
    {
        lock (_log)
        {
            _log.Add(line ?? "");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
