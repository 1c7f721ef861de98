using System.Text.Json.Nodes;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

[Collection(CompiledInfraCollection.Name)]
public sealed class BicepBuildTests(CompiledInfra infra)
{
    [Fact]
    public void MainBicep_BuildsWithoutErrorsOrWarnings()
    {
        Assert.True(infra.Build.ExitCode == 0, infra.Build.StandardError);
        var problems = infra.Build.Diagnostics.Where(d => d.IsWarningOrError).ToList();
        Assert.True(problems.Count == 0, BicepCli.Describe(problems));
        // Anything else on stderr (an unparsed diagnostic format, a crash) is also a failure.
        Assert.True(string.IsNullOrWhiteSpace(infra.Build.StandardError), infra.Build.StandardError);
    }

    [Theory]
    [InlineData("KeyVault")]
    [InlineData("KeyVaultWrapped")]
    [InlineData("Local")]
    public void MainBicepParam_BuildsForEachSigningMode(string mode)
    {
        var result = infra.BuildParams[mode];
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.True(string.IsNullOrWhiteSpace(result.StandardError), result.StandardError);
        Assert.Equal(mode, (string?)infra.ParametersFor(mode)["parameters"]?["signingMode"]?["value"]);
    }

    [Fact]
    public void MainBicepParam_RejectsAnUnknownSigningMode()
    {
        var result = BicepCli.Run(
            ["build-params", CompiledInfra.MainBicepParam, "--stdout"],
            new Dictionary<string, string> { ["AZURE_ENV_NAME"] = "t", ["AZURE_LOCATION"] = "westeurope", ["OAUTH_SIGNING_MODE"] = "Plaintext" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(result.Diagnostics, d => d.Level == "Error" && d.Code == "BCP033");
    }

    [Fact]
    public void BicepConfig_TurnsTheSecretAndHygieneRulesIntoErrors()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(CompiledInfra.InfraDirectory, "bicepconfig.json")))!;
        var core = config["analyzers"]!["core"]!;
        Assert.True((bool?)core["enabled"]);
        foreach (var rule in new[]
        {
            "outputs-should-not-contain-secrets", "secure-secrets-in-params", "secure-params-in-nested-deploy",
            "use-secure-value-for-secure-inputs", "protect-commandtoexecute-secrets", "no-hardcoded-env-urls",
            "no-unused-params", "no-unused-vars", "what-if-short-circuiting",
        })
        {
            Assert.Equal("error", (string?)core["rules"]?[rule]?["level"]);
        }
    }

    /// <summary>The warning check above would pass vacuously if the linter did not run or its output went unparsed.</summary>
    [Fact]
    public void LinterFindings_AreReportedAndParsed()
    {
        var folder = Directory.CreateTempSubdirectory("serverless-infra-lint-").FullName;
        try
        {
            File.Copy(Path.Combine(CompiledInfra.InfraDirectory, "bicepconfig.json"), Path.Combine(folder, "bicepconfig.json"));
            var file = Path.Combine(folder, "planted.bicep");
            File.WriteAllText(file, """
                param unused string
                resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
                  name: 'planted'
                }
                output keys object = account.listKeys()
                """);

            var result = BicepCli.Run(["build", file, "--stdout"]);

            Assert.Contains(result.Diagnostics, d => d.IsWarningOrError && d.Code == "no-unused-params");
            Assert.Contains(result.Diagnostics, d => d.IsWarningOrError && d.Code == "outputs-should-not-contain-secrets");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void DiagnosticParser_ReadsLevelAndCode()
    {
        var diagnostics = BicepCli.ParseDiagnostics(
            "/x/main.bicep(3,7) : Warning no-unused-vars: Variable \"a\" is declared but never used. [https://aka.ms/x]\n" +
            "Build succeeded.\n");

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("Warning", diagnostic.Level);
        Assert.Equal("no-unused-vars", diagnostic.Code);
        Assert.True(diagnostic.IsWarningOrError);
    }
}
