using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Serverless.Infra.Tests.Support;

/// <summary>A resource of the compiled template, with the module (nested deployment) it sits in.</summary>
public sealed record ArmResource(string Type, JsonObject Json, string Module, ArmScope Scope)
{
    public JsonObject Properties => Json["properties"] as JsonObject ?? [];

    public string? Name => (string?)Json["name"];

    /// <summary>The "scope" of an extension resource (role assignments), or null.</summary>
    public string? ExtensionScope => (string?)Json["scope"];
}

/// <summary>The parameters and variables visible in one template (the main one or a module's).</summary>
public sealed class ArmScope(JsonObject template, Func<string, JsonNode?> parameter)
{
    public JsonObject Template { get; } = template;

    public JsonNode? Parameter(string name) => parameter(name);

    /// <summary>
    /// Replaces variables('v').member and variables('v') with their literal values in an expression, so that
    /// e.g. a role definition id built from a variable map shows its GUID.
    /// </summary>
    public string InlineVariables(string expression) => VariableReference().Replace(expression, match =>
    {
        var node = Template["variables"]?[match.Groups["name"].Value];
        if (match.Groups["member"].Success)
        {
            node = node?[match.Groups["member"].Value];
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? $"'{text}'" : match.Value;
    });

    private static Regex VariableReference() => new(@"variables\('(?<name>[^']+)'\)(\.(?<member>[A-Za-z0-9_]+))?", RegexOptions.CultureInvariant);
}

/// <summary>
/// The compiled main.bicep seen with one set of parameter values: every resource, modules included, and whether its
/// condition (and that of every module around it) holds for those values.
/// </summary>
public sealed class ArmTemplate
{
    private readonly List<(ArmResource Resource, bool Deployed)> _resources = [];

    public ArmTemplate(JsonObject template, IReadOnlyDictionary<string, JsonNode?> parameterValues)
    {
        Root = template;
        Walk(template, "main", name => Lookup(template, parameterValues, name), deployed: true);
    }

    public JsonObject Root { get; }

    /// <summary>The resources that would be deployed with these parameter values.</summary>
    public IEnumerable<ArmResource> Deployed => _resources.Where(r => r.Deployed).Select(r => r.Resource);

    /// <summary>All resources, whatever their condition.</summary>
    public IEnumerable<ArmResource> All => _resources.Select(r => r.Resource);

    public IEnumerable<ArmResource> DeployedOfType(string type) =>
        Deployed.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    public static IEnumerable<JsonObject> ResourcesOf(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        // languageVersion 2.0 templates key resources by symbolic name.
        JsonObject map => map.Select(p => p.Value).OfType<JsonObject>(),
        _ => [],
    };

    private static JsonNode? Lookup(JsonObject template, IReadOnlyDictionary<string, JsonNode?> values, string name)
    {
        if (values.TryGetValue(name, out var value))
        {
            return value?.DeepClone();
        }

        var definition = template["parameters"]?[name] ?? throw new KeyNotFoundException("No parameter " + name);
        var defaultValue = definition["defaultValue"];
        return defaultValue is JsonValue v && v.TryGetValue<string>(out var s) && ArmExpression.IsExpression(s)
            ? throw new NotSupportedException($"Parameter {name} has a computed default: {s}")
            : defaultValue?.DeepClone();
    }

    private void Walk(JsonObject template, string module, Func<string, JsonNode?> parameter, bool deployed)
    {
        var scope = new ArmScope(template, parameter);
        foreach (var json in ResourcesOf(template))
        {
            var type = (string?)json["type"] ?? "";
            var isDeployed = deployed && ArmExpression.EvaluateCondition(json["condition"], parameter);
            _resources.Add((new ArmResource(type, json, module, scope), isDeployed));
            if (type == "Microsoft.Resources/deployments" && json["properties"]?["template"] is JsonObject inner)
            {
                var passed = json["properties"]?["parameters"] as JsonObject ?? [];
                var name = (string?)json["name"] ?? "?";
                Walk(inner, name, innerName =>
                {
                    // A value passed to the module is evaluated in the outer template, and only when a condition needs it.
                    if (passed[innerName]?["value"] is { } value)
                    {
                        return value is JsonValue v && v.TryGetValue<string>(out var s)
                            ? ArmExpression.Evaluate(scope.InlineVariables(s), parameter)
                            : value.DeepClone();
                    }

                    return Lookup(inner, new Dictionary<string, JsonNode?>(), innerName);
                }, isDeployed);
            }
        }
    }
}
