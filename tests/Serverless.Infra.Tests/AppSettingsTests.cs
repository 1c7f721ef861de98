using System.Text.Json.Nodes;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

[Collection(CompiledInfraCollection.Name)]
public sealed class AppSettingsTests(CompiledInfra infra)
{
    private readonly AppSettingsMap _map = AppSettingsMap.Load();

    public static TheoryData<string> Modes => [.. CompiledInfra.SigningModes];

    [Fact]
    public void EveryLocalSetting_IsMappedToAzureOrDeclaredLocalOnly()
    {
        var unmapped = _map.Unmapped(AppSettingsMap.LocalSampleSettings());

        Assert.True(unmapped.Count == 0, "Add these to infra/app-settings.map.json (and to infra/app/api.bicep unless local-only): " + string.Join(", ", unmapped));
    }

    [Fact]
    public void TheMappingCheck_CatchesANewLocalSetting()
    {
        var sample = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("local.settings.sample.json")))!;
        sample["Values"]!["OAuth__Something__New"] = "x";

        var unmapped = _map.Unmapped(AppSettingsMap.LocalSettings(sample.ToJsonString()));

        Assert.Contains("OAuth__Something__New", unmapped);
    }

    [Fact]
    public void TheMap_NamesOnlySettingsTheSampleHas()
    {
        var stale = _map.Local.Keys.Except(AppSettingsMap.LocalSampleSettings()).ToList();

        Assert.True(stale.Count == 0, "Mapped but no longer in local.settings.sample.json: " + string.Join(", ", stale));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void EverySettingTheAppReads_IsSetInAzure(string mode)
    {
        var settings = AppSettings(infra.For(mode));

        var missing = _map.RequiredInAzure.Where(s => !settings.ContainsKey(s)).ToList();

        Assert.True(missing.Count == 0, "Not set by infra/app/api.bicep: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void EveryAzureSetting_IsAccountedForInTheMap(string mode)
    {
        var settings = AppSettings(infra.For(mode));

        var unknown = settings.Keys.Except(_map.RequiredInAzure).ToList();

        Assert.True(unknown.Count == 0, "Set in Azure but not in infra/app-settings.map.json: " + string.Join(", ", unknown));
    }

    [Fact]
    public void SettingsThatFlexConsumptionRejectsOrThatCarryKeys_AreNotSet()
    {
        var settings = AppSettings(infra.For("KeyVault"));

        foreach (var name in new[]
        {
            "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION", "WEBSITE_RUN_FROM_PACKAGE", "WEBSITE_CONTENTSHARE",
            "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "AzureWebJobsStorage", "OAuth__Storage__ConnectionString",
            "OAuth__Signing__LocalKeyPath", "APPINSIGHTS_INSTRUMENTATIONKEY",
        })
        {
            Assert.False(settings.ContainsKey(name), name + " must not be an app setting");
        }
    }

    [Fact]
    public void IdentitySettings_UseTheUserAssignedIdentity()
    {
        var settings = AppSettings(infra.For("KeyVault"));

        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("[parameters('identityClientId')]", settings["AzureWebJobsStorage__clientId"]);
        Assert.Equal("[parameters('identityClientId')]", settings["AZURE_CLIENT_ID"]);
        Assert.Equal("[parameters('identityClientId')]", settings["OAuth__Signing__ManagedIdentityClientId"]);
        Assert.Equal("[format('ClientId={0};Authorization=AAD', parameters('identityClientId'))]", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.Contains("primaryEndpoints.table", settings["OAuth__Storage__TableServiceUri"], StringComparison.Ordinal);
        Assert.Contains("'Microsoft.Insights/components'", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"], StringComparison.Ordinal);
        Assert.Contains(".ConnectionString", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"], StringComparison.Ordinal);
    }

    [Fact]
    public void IssuerAndEnvironment_AreThoseOfTheDeployedApp()
    {
        var settings = AppSettings(infra.For("KeyVault"));

        Assert.Equal("[format('https://{0}', reference(resourceId('Microsoft.Web/sites', parameters('name')), '2024-04-01').defaultHostName)]", settings["OAuth__Issuer"]);
        Assert.Equal("Production", settings["AZURE_FUNCTIONS_ENVIRONMENT"]);
        Assert.Equal("false", settings["OAuth__SeedDemoData"]);
        Assert.Equal("[parameters('signingMode')]", settings["OAuth__Signing__Mode"]);
    }

    /// <summary>The app settings of the function app: the properties of its Microsoft.Web/sites/config 'appsettings'.</summary>
    public static Dictionary<string, string> AppSettings(ArmTemplate template)
    {
        var config = Assert.Single(
            template.DeployedOfType("Microsoft.Web/sites/config"),
            r => r.Name?.Contains("'appsettings'", StringComparison.Ordinal) == true || r.Name?.EndsWith("/appsettings", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(template.DeployedOfType("Microsoft.Web/sites"), s => s.Properties["siteConfig"]?["appSettings"] is not null);
        return config.Properties.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "", StringComparer.Ordinal);
    }
}
