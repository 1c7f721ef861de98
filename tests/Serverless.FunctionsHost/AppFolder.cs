using System.Text.Json;

namespace Serverless.FunctionsHost;

/// <summary>
/// A built or published Functions app as the host reads it: worker.config.json names the worker's entry assembly,
/// host.json the HTTP route prefix, and local.settings.json (if present) the app settings.
/// </summary>
public sealed class AppFolder
{
    private AppFolder(string directory, string workerPath, string routePrefix, IReadOnlyDictionary<string, string?> localSettings)
    {
        Directory = directory;
        WorkerPath = workerPath;
        RoutePrefix = routePrefix;
        LocalSettings = localSettings;
    }

    public string Directory { get; }

    /// <summary>The worker's assembly (worker.config.json defaultWorkerPath), absolute.</summary>
    public string WorkerPath { get; }

    /// <summary>host.json extensions.http.routePrefix; "api" when host.json does not say.</summary>
    public string RoutePrefix { get; }

    /// <summary>The Values of local.settings.json, which 'func start' makes app settings; empty without the file.</summary>
    public IReadOnlyDictionary<string, string?> LocalSettings { get; }

    public static AppFolder Read(string directory)
    {
        directory = Path.GetFullPath(directory);
        var workerConfig = Path.Combine(directory, "worker.config.json");
        if (!File.Exists(workerConfig))
        {
            throw new InvalidOperationException(
                $"{workerConfig} is missing: {directory} is not the output of a Functions worker build (dotnet build or publish of the app).");
        }

        using var config = JsonDocument.Parse(File.ReadAllText(workerConfig));
        var workerPath = Path.Combine(directory, config.RootElement.GetProperty("description").GetProperty("defaultWorkerPath").GetString()!);
        return new AppFolder(directory, workerPath, ReadRoutePrefix(directory), ReadLocalSettings(directory));
    }

    private static string ReadRoutePrefix(string directory)
    {
        var hostJson = Path.Combine(directory, "host.json");
        if (!File.Exists(hostJson))
        {
            return "api";
        }

        using var host = JsonDocument.Parse(File.ReadAllText(hostJson), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return host.RootElement.TryGetProperty("extensions", out var extensions)
               && extensions.TryGetProperty("http", out var http)
               && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString() ?? "api"
            : "api";
    }

    private static Dictionary<string, string?> ReadLocalSettings(string directory)
    {
        var path = Path.Combine(directory, "local.settings.json");
        if (!File.Exists(path))
        {
            return [];
        }

        using var settings = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return settings.RootElement.TryGetProperty("Values", out var values)
            ? values.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())
            : [];
    }
}
