using System.Text.Json.Nodes;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

/// <summary>The parameter files azd and `az deployment sub create` use, against main.bicep.</summary>
[Collection(CompiledInfraCollection.Name)]
public sealed class ParametersTests(CompiledInfra infra)
{
    [Fact]
    public void AzdParametersFile_NamesOnlyParametersOfMainBicep()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(CompiledInfra.InfraDirectory, "main.parameters.json")))!;
        var declared = ((JsonObject)infra.Template["parameters"]!).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

        var names = ((JsonObject)file["parameters"]!).Select(p => p.Key).ToList();

        Assert.All(names, n => Assert.Contains(n, declared));
        Assert.Contains("environmentName", names);
        Assert.Contains("location", names);
        Assert.Contains("principalId", names);
    }

    [Fact]
    public void AzdAndAzCli_ReadTheSameEnvironmentVariables()
    {
        var azd = File.ReadAllText(Path.Combine(CompiledInfra.InfraDirectory, "main.parameters.json"));
        var bicepparam = File.ReadAllText(CompiledInfra.MainBicepParam);

        foreach (var variable in new[] { "AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_PRINCIPAL_ID", "OAUTH_SIGNING_MODE", "OAUTH_SIGNING_ALGORITHM" })
        {
            Assert.Contains("${" + variable, azd, StringComparison.Ordinal);
            Assert.Contains($"readEnvironmentVariable('{variable}'", bicepparam, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryParameter_HasADescription()
    {
        var missing = new List<string>();
        Collect(infra.Template, "main", missing);

        Assert.True(missing.Count == 0, "Without @description: " + string.Join(", ", missing));
    }

    [Fact]
    public void MaximumInstanceCount_RefusesValuesBelowTheFlexConsumptionMinimum_AndNamesTheRegionalQuota()
    {
        var found = new List<string>();
        Visit(infra.Template, "main");

        Assert.Equal(["main", "api"], found);

        void Visit(JsonObject template, string where)
        {
            if (template["parameters"]?["maximumInstanceCount"] is JsonObject parameter)
            {
                found.Add(where);
                Assert.Equal(40, (int?)parameter["minValue"]);
                Assert.Contains("regional quota", (string?)parameter["metadata"]?["description"], StringComparison.Ordinal);
            }

            foreach (var resource in ArmTemplate.ResourcesOf(template))
            {
                if (resource["properties"]?["template"] is JsonObject inner)
                {
                    Visit(inner, (string?)resource["name"] ?? "?");
                }
            }
        }
    }

    [Fact]
    public void AzureYaml_DeploysTheFunctionsProjectAsAFunctionApp()
    {
        var yaml = File.ReadAllLines(RepositoryRoot.Combine("azure.yaml")).Select(l => l.Trim()).ToList();

        Assert.Contains("provider: bicep", yaml);
        Assert.Contains("api:", yaml);
        Assert.Contains("host: function", yaml);
        Assert.Contains("language: dotnet", yaml);
    }

    private static void Collect(JsonObject template, string where, List<string> missing)
    {
        foreach (var (name, parameter) in (JsonObject?)template["parameters"] ?? [])
        {
            if (string.IsNullOrWhiteSpace((string?)parameter?["metadata"]?["description"]) && name is not ("AZURE_LOCATION" or "AZURE_TENANT_ID"))
            {
                missing.Add($"{where}.{name}");
            }
        }

        foreach (var resource in ArmTemplate.ResourcesOf(template))
        {
            if (resource["properties"]?["template"] is JsonObject inner)
            {
                Collect(inner, (string?)resource["name"] ?? "?", missing);
            }
        }
    }
}
