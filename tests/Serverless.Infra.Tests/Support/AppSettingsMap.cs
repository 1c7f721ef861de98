using System.Text.Json.Nodes;

namespace Serverless.Infra.Tests.Support;

/// <summary>infra/app-settings.map.json: how each local setting reaches Azure, and the settings only Azure has.</summary>
public sealed class AppSettingsMap
{
    private AppSettingsMap(Dictionary<string, string[]> local, string[] azureOnly)
    {
        Local = local;
        AzureOnly = azureOnly;
    }

    /// <summary>Local setting name -> the Azure app settings that replace it (empty: not an app setting in Azure).</summary>
    public IReadOnlyDictionary<string, string[]> Local { get; }

    public IReadOnlyList<string> AzureOnly { get; }

    /// <summary>Every app setting the Bicep must set.</summary>
    public IEnumerable<string> RequiredInAzure => Local.Values.SelectMany(v => v).Concat(AzureOnly).Distinct(StringComparer.Ordinal);

    public static AppSettingsMap Load() => Parse(File.ReadAllText(Path.Combine(CompiledInfra.InfraDirectory, "app-settings.map.json")));

    public static AppSettingsMap Parse(string json)
    {
        var root = JsonNode.Parse(json)!;
        var local = ((JsonObject)root["local"]!).ToDictionary(
            p => p.Key,
            p => ((JsonArray)p.Value!["azure"]!).Select(n => (string)n!).ToArray(),
            StringComparer.Ordinal);
        var azureOnly = ((JsonArray)root["azureOnly"]!).Select(n => (string)n!).ToArray();
        return new AppSettingsMap(local, azureOnly);
    }

    /// <summary>The Values of local.settings.sample.json at the repository root.</summary>
    public static IReadOnlyList<string> LocalSampleSettings() => LocalSettings(File.ReadAllText(RepositoryRoot.Combine("local.settings.sample.json")));

    public static IReadOnlyList<string> LocalSettings(string json) => ((JsonObject)JsonNode.Parse(json)!["Values"]!).Select(p => p.Key).ToList();

    /// <summary>Local settings that the map does not account for: each must be mapped or declared local-only.</summary>
    public IReadOnlyList<string> Unmapped(IEnumerable<string> localSettings) => localSettings.Where(s => !Local.ContainsKey(s)).ToList();
}
