using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Serverless.Infra.Tests.Support;

/// <summary>
/// Looks for the ways a key or a secret gets into a template: list* functions (listKeys, listSecrets,
/// listAccountSas...), storage connection strings with a key, SAS tokens, secure outputs.
/// </summary>
public static partial class SecretScanner
{
    private static readonly (string What, Regex Pattern)[] Patterns =
    [
        ("a list* function (listKeys, listSecrets, listAccountSas, ...)", ListFunction()),
        ("a storage account key in a connection string", new Regex("AccountKey\\s*=", RegexOptions.IgnoreCase)),
        ("a shared access signature", new Regex("SharedAccessSignature|SharedAccessKey", RegexOptions.IgnoreCase)),
        ("a key-based storage connection string", new Regex("DefaultEndpointsProtocol\\s*=", RegexOptions.IgnoreCase)),
        ("a SAS token", new Regex("[?&]sig=", RegexOptions.IgnoreCase)),
        ("a storage account key property", new Regex("\\b(primaryKey|secondaryKey|primaryMasterKey|keys\\[0\\]\\.value)\\b", RegexOptions.IgnoreCase)),
        ("the development storage account", new Regex("UseDevelopmentStorage", RegexOptions.IgnoreCase)),
    ];

    /// <summary>Findings in a text: template JSON or Bicep source.</summary>
    public static IReadOnlyList<string> ScanText(string text) =>
        Patterns.Where(p => p.Pattern.IsMatch(text)).Select(p => $"{p.What}: '{p.Pattern.Match(text).Value}'").ToList();

    /// <summary>Outputs of a secure type in a template or any of its modules.</summary>
    public static IReadOnlyList<string> SecureOutputs(JsonObject template)
    {
        var findings = new List<string>();
        Collect(template, "main", findings);
        return findings;
    }

    private static void Collect(JsonObject template, string where, List<string> findings)
    {
        if (template["outputs"] is JsonObject outputs)
        {
            foreach (var (name, output) in outputs)
            {
                var type = ((string?)output?["type"])?.ToLowerInvariant();
                if (type is "securestring" or "secureobject" || output?["metadata"]?["__bicep_secure"] is not null)
                {
                    findings.Add($"{where}: secure output {name}");
                }
            }
        }

        foreach (var resource in ArmTemplate.ResourcesOf(template))
        {
            if (resource["properties"]?["template"] is JsonObject inner)
            {
                Collect(inner, (string?)resource["name"] ?? "?", findings);
            }
        }
    }

    // list( / listKeys( / listSecrets( ... as an ARM function or a Bicep method call; not inside a word like "whitelist(".
    [GeneratedRegex("(?<![A-Za-z0-9_])list[A-Za-z]*\\s*\\(", RegexOptions.CultureInvariant)]
    private static partial Regex ListFunction();
}
