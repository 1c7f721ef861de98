using System.Text.Json;

namespace Serverless.Benchmarks.Reporting;

/// <summary>Each phase writes its figures as JSON into the output folder; the report reads whatever is there.</summary>
public static class ResultFiles
{
    public const string Issuance = "issuance.json";
    public const string Telemetry = "telemetry.json";
    public const string TokenPath = "token-path.json";
    public const string TelemetryVolume = "telemetry-volume.json";
    public const string Counts = "counts.json";
    public const string Http = "http.json";
    public const string CacheExpiry = "cache-expiry.json";
    public const string Startup = "startup.json";
    public const string SideBySide = "side-by-side.json";
    public const string Worker = "worker.json";
    public const string Scale = "scale.json";
    public const string Soak = "soak.json";
    public const string ClientCache = "client-cache.json";
    public const string Purge = "purge.json";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public static void Write<T>(string directory, string name, T value)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name), JsonSerializer.Serialize(value, Options));
    }

    public static T? Read<T>(string directory, string name) where T : class
    {
        var path = Path.Combine(directory, name);
        return File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) : null;
    }
}
