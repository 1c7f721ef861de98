using System.Diagnostics;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.Testing;

/// <summary>
/// Azurite's Table service (or its Queue service) on a free 127.0.0.1 port, from the repository's node_modules (npm ci
/// installs it). One of each per test process, shared; tests isolate themselves with their own table prefix (and queue
/// name). It can be stopped and started again on the same port and data folder, to test the server while storage is away.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<Task<AzuriteServer>> SharedServer = new(() => StartAsync());
    private static readonly Lazy<Task<AzuriteServer>> SharedQueueServer = new(() => StartAsync(Queue));
    private const string Table = "table";
    private const string Queue = "queue";
    private readonly string _service;
    private readonly string _location;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;

    private AzuriteServer(string service, int port, string location)
    {
        _service = service;
        Port = port;
        _location = location;
    }

    /// <summary>The process-wide instance, stopped when the test process exits (or, when it ends without its exit handlers, by Azurite itself).</summary>
    public static Task<AzuriteServer> Shared => SharedServer.Value;

    /// <summary>The process-wide Queue service (the Functions host's own storage, AzureWebJobsStorage, in worker tests).</summary>
    public static Task<AzuriteServer> SharedQueue => SharedQueueServer.Value;

    public int Port { get; }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};{(_service == Queue ? "QueueEndpoint" : "TableEndpoint")}=http://127.0.0.1:{Port}/devstoreaccount1;";

    /// <summary>Storage options for one test: its own table prefix, so tests never see each other's rows.</summary>
    public StorageOptions NewStorage() => new()
    {
        ConnectionString = ConnectionString,
        TablePrefix = "t" + Guid.NewGuid().ToString("N")[..12],
    };

    public static async Task<AzuriteServer> StartAsync() => await StartAsync(Table);

    /// <summary>A Queue service of its own, for a test that stops and restarts it.</summary>
    public static async Task<AzuriteServer> StartQueueAsync() => await StartAsync(Queue);

    private static async Task<AzuriteServer> StartAsync(string service)
    {
        var location = Path.Combine(Path.GetTempPath(), "azurite-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(location);
        var server = new AzuriteServer(service, FreePort.Next(), location);
        await server.StartProcessAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();
        return server;
    }

    /// <summary>Stops Azurite (as if storage became unreachable); its data stays in the folder.</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            Kill();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts Azurite again on the same port and data folder.</summary>
    public async Task RestartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            Kill();
            await StartProcessAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartProcessAsync()
    {
        var script = Path.Combine(RepositoryPaths.Root, "node_modules", "azurite", "dist", "src", _service, "main.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script} is missing). Run 'npm ci' in {RepositoryPaths.Root}.");
        }

        // The test process may end without running its exit handlers (the test runner stops it once the tests are
        // done): Azurite then sees its stdin close, and this preloaded module ends it, rather than leaving it behind.
        var exitWithParent = Path.Combine(_location, "exit-with-parent.cjs");
        await File.WriteAllTextAsync(exitWithParent, "process.stdin.on('end', () => process.exit(0));\nprocess.stdin.on('error', () => process.exit(0));\nprocess.stdin.resume();\n");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--require", exitWithParent, script, $"--{_service}Host", "127.0.0.1", $"--{_service}Port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--location", _location, "--skipApiVersionCheck", "--loose", "--silent", "--disableProductStyleUrl",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await FreePort.WaitUntilListeningAsync(Port, TimeSpan.FromSeconds(30));
    }

    private void Kill()
    {
        if (_process is { HasExited: false } queue && _service == Queue)
        {
            // Nothing to keep across a restart, and the Queue service does not end on SIGINT while clients stay connected.
            queue.Kill(entireProcessTree: true);
            queue.WaitForExit(5000);
        }
        else if (_process is { HasExited: false } process)
        {
            // SIGINT first: Azurite then saves its database, so a restart finds every row written before the stop.
            using (var term = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                term?.WaitForExit(5000);
            }

            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }

        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _gate.Dispose();
    }
}
