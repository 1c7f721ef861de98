using System.Text.Json;

namespace Serverless.FunctionsHost;

/// <summary>
/// A built or published Functions app as the host reads it: worker.config.json names the worker's entry assembly,
/// host.json the HTTP route prefix and the queue trigger's batch size and tries, and local.settings.json (if present)
/// the app settings.
/// </summary>
public sealed class AppFolder
{
    private AppFolder(string directory, string workerPath, JsonElement? hostJson, IReadOnlyDictionary<string, string?> localSettings)
    {
        Directory = directory;
        WorkerPath = workerPath;
        RoutePrefix = Extension(hostJson, "http", "routePrefix") is { ValueKind: JsonValueKind.String } prefix ? prefix.GetString()! : "api";
        QueueBatchSize = Extension(hostJson, "queues", "batchSize") is { ValueKind: JsonValueKind.Number } batch ? batch.GetInt32() : 16;
        MaxDequeueCount = Extension(hostJson, "queues", "maxDequeueCount") is { ValueKind: JsonValueKind.Number } tries ? tries.GetInt32() : 5;
        LocalSettings = localSettings;
    }

    public string Directory { get; }

    /// <summary>The worker's assembly (worker.config.json defaultWorkerPath), absolute.</summary>
    public string WorkerPath { get; }

    /// <summary>host.json extensions.http.routePrefix; "api" when host.json does not say.</summary>
    public string RoutePrefix { get; }

    /// <summary>host.json extensions.queues.batchSize: the messages a queue function is given at once; 16 when host.json does not say.</summary>
    public int QueueBatchSize { get; }

    /// <summary>host.json extensions.queues.maxDequeueCount: the tries before a message goes to the poison queue; 5 when host.json does not say.</summary>
    public int MaxDequeueCount { get; }

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
        return new AppFolder(directory, workerPath, ReadHostJson(directory), ReadLocalSettings(directory));
    }

    private static JsonElement? ReadHostJson(string directory)
    {
        var hostJson = Path.Combine(directory, "host.json");
        if (!File.Exists(hostJson))
        {
            return null;
        }

        using var host = JsonDocument.Parse(File.ReadAllText(hostJson), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        return host.RootElement.Clone();
    }

    /// <summary>host.json extensions.{extension}.{name}, if it is there.</summary>
    private static JsonElement? Extension(JsonElement? hostJson, string extension, string name) =>
        hostJson is { } root && root.TryGetProperty("extensions", out var extensions)
            && extensions.TryGetProperty(extension, out var section) && section.TryGetProperty(name, out var value)
            ? value
            : null;

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
