using System.Text.Json.Nodes;

namespace Serverless.Infra.Tests.Support;

/// <summary>
/// Compiles the infrastructure once per test run, into a temporary folder: main.bicep with `bicep build`, and
/// main.bicepparam with `bicep build-params` for each signing mode (the parameter values each mode deploys with).
/// </summary>
public sealed class CompiledInfra : IDisposable
{
    public static readonly string[] SigningModes = ["KeyVault", "KeyVaultWrapped", "Local"];

    private readonly Dictionary<string, JsonObject> _parameters = new(StringComparer.Ordinal);

    public CompiledInfra()
    {
        OutputDirectory = Directory.CreateTempSubdirectory("serverless-infra-").FullName;
        var mainJson = Path.Combine(OutputDirectory, "main.json");
        Build = BicepCli.Run(["build", MainBicep, "--outfile", mainJson]);
        if (Build.ExitCode == 0)
        {
            Template = (JsonObject)JsonNode.Parse(File.ReadAllText(mainJson))!;
            TemplateText = File.ReadAllText(mainJson);
        }

        foreach (var mode in SigningModes)
        {
            var result = BicepCli.Run(
                ["build-params", MainBicepParam, "--outfile", Path.Combine(OutputDirectory, $"main.{mode}.parameters.json")],
                new Dictionary<string, string>
                {
                    ["AZURE_ENV_NAME"] = "oauth-test",
                    ["AZURE_LOCATION"] = "westeurope",
                    ["OAUTH_SIGNING_MODE"] = mode,
                });
            BuildParams[mode] = result;
            var file = Path.Combine(OutputDirectory, $"main.{mode}.parameters.json");
            if (result.ExitCode == 0 && File.Exists(file))
            {
                _parameters[mode] = (JsonObject)JsonNode.Parse(File.ReadAllText(file))!;
            }
        }
    }

    public static string InfraDirectory => RepositoryRoot.Combine("infra");

    public static string MainBicep => Path.Combine(InfraDirectory, "main.bicep");

    public static string MainBicepParam => Path.Combine(InfraDirectory, "main.bicepparam");

    public string OutputDirectory { get; }

    public BicepResult Build { get; }

    public Dictionary<string, BicepResult> BuildParams { get; } = new(StringComparer.Ordinal);

    public JsonObject Template => field ?? throw new InvalidOperationException("main.bicep did not build:\n" + Build.StandardError);

    public string TemplateText => field ?? throw new InvalidOperationException("main.bicep did not build:\n" + Build.StandardError);

    /// <summary>The parameters file build-params wrote for a signing mode.</summary>
    public JsonObject ParametersFor(string mode) => _parameters.TryGetValue(mode, out var p)
        ? p
        : throw new InvalidOperationException($"main.bicepparam did not build for {mode}:\n{BuildParams[mode].StandardError}");

    /// <summary>The template as deployed with the parameters of a signing mode, optionally with some overridden.</summary>
    public ArmTemplate For(string mode, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (name, parameter) in (JsonObject)ParametersFor(mode)["parameters"]!)
        {
            values[name] = parameter?["value"]?.DeepClone();
        }

        foreach (var (name, value) in overrides ?? new Dictionary<string, string>())
        {
            values[name] = JsonValue.Create(value);
        }

        return new ArmTemplate(Template, values);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(OutputDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is not worth failing a run for.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CompiledInfraCollection : ICollectionFixture<CompiledInfra>
{
    public const string Name = "Compiled infra";
}
