using System.Text.Json.Nodes;
using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

/// <summary>The security and hosting settings of each resource, as compiled.</summary>
[Collection(CompiledInfraCollection.Name)]
public sealed class ResourceSettingsTests(CompiledInfra infra)
{
    private ArmTemplate Deployed => infra.For("KeyVault");

    [Fact]
    public void Plan_IsFlexConsumptionFC1OnLinux()
    {
        var plan = Single("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", (string?)plan.Json["sku"]?["name"]);
        Assert.Equal("FlexConsumption", (string?)plan.Json["sku"]?["tier"]);
        Assert.True((bool?)plan.Properties["reserved"]);
    }

    [Fact]
    public void FunctionApp_RunsDotnetIsolated10OnFlexConsumption()
    {
        var site = Single("Microsoft.Web/sites");
        var config = site.Properties["functionAppConfig"]!;

        Assert.Equal("functionapp,linux", (string?)site.Json["kind"]);
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]?["name"]);
        // "10.0", not "10": the Flex Consumption runtime list names .NET versions with the minor part.
        Assert.Equal("10.0", (string?)config["runtime"]?["version"]);
        Assert.Equal("[parameters('instanceMemoryMB')]", (string?)config["scaleAndConcurrency"]?["instanceMemoryMB"]);
        Assert.Equal("[parameters('maximumInstanceCount')]", (string?)config["scaleAndConcurrency"]?["maximumInstanceCount"]);
        Assert.Equal(512, (int?)infra.Template["parameters"]?["instanceMemoryMB"]?["defaultValue"]);
    }

    [Fact]
    public void FunctionApp_DeploysFromABlobContainerWithTheUserAssignedIdentity()
    {
        var site = Single("Microsoft.Web/sites");
        var storage = site.Properties["functionAppConfig"]!["deployment"]!["storage"]!;

        Assert.Equal("blobContainer", (string?)storage["type"]);
        Assert.Contains("primaryEndpoints.blob", (string?)storage["value"], StringComparison.Ordinal);
        Assert.Contains("parameters('deploymentContainerName')", (string?)storage["value"], StringComparison.Ordinal);
        Assert.Equal("UserAssignedIdentity", (string?)storage["authentication"]?["type"]);
        Assert.Equal("[parameters('identityId')]", (string?)storage["authentication"]?["userAssignedIdentityResourceId"]);
        Assert.Equal("UserAssigned", (string?)site.Json["identity"]?["type"]);

        var container = Single("Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.Equal("None", (string?)container.Properties["publicAccess"]);
    }

    [Fact]
    public void FunctionApp_IsHttpsOnlyWithTls12AndNoFtp()
    {
        var site = Single("Microsoft.Web/sites");
        var siteConfig = site.Properties["siteConfig"]!;

        Assert.True((bool?)site.Properties["httpsOnly"]);
        Assert.Equal("1.2", (string?)siteConfig["minTlsVersion"]);
        Assert.Equal("1.2", (string?)siteConfig["scmMinTlsVersion"]);
        Assert.Equal("Disabled", (string?)siteConfig["ftpsState"]);
    }

    [Fact]
    public void BasicPublishingCredentials_AreOffForFtpAndScm()
    {
        var policies = Deployed.DeployedOfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();

        Assert.Equal(2, policies.Count);
        Assert.Contains(policies, p => p.Name!.Contains("'ftp'", StringComparison.Ordinal));
        Assert.Contains(policies, p => p.Name!.Contains("'scm'", StringComparison.Ordinal));
        Assert.All(policies, p => Assert.False((bool?)p.Properties["allow"]));
    }

    [Fact]
    public void StorageAccounts_AllowNoSharedKeyAndNoPublicBlobs()
    {
        // The main account and the grant accounts' template (deployed grantStorageAccountCount times).
        var accounts = Deployed.DeployedOfType("Microsoft.Storage/storageAccounts").ToList();
        Assert.Equal(2, accounts.Count);
        foreach (var account in accounts)
        {
            Assert.False((bool?)account.Properties["allowSharedKeyAccess"]);
            Assert.True((bool?)account.Properties["defaultToOAuthAuthentication"]);
            Assert.False((bool?)account.Properties["allowBlobPublicAccess"]);
            Assert.Equal("TLS1_2", (string?)account.Properties["minimumTlsVersion"]);
            Assert.True((bool?)account.Properties["supportsHttpsTrafficOnly"]);
        }
    }

    [Fact]
    public void GrantAccounts_HoldTheGrantTables_WithTheTableRole_AndReachTheAppInOrder()
    {
        var tables = Assert.Single(Deployed.DeployedOfType("Microsoft.Storage/storageAccounts/tableServices/tables"), t => t.Json["copy"]?["count"]?.ToString().Contains("tableNames", StringComparison.Ordinal) != true);
        Assert.Contains("grants", tables.Json.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("parameters('tablePrefix')", tables.Name, StringComparison.Ordinal);
        var grantModule = Assert.Single(Deployed.DeployedOfType("Microsoft.Resources/deployments"), r => r.Name?.Contains("grant-storage", StringComparison.Ordinal) == true);
        Assert.Contains("parameters('grantStorageAccountCount')", grantModule.Json["copy"]?["count"]?.ToString(), StringComparison.Ordinal);
        // Storage Table Data Contributor on each grant account, as on the main one.
        Assert.Contains("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", grantModule.Json.ToJsonString(), StringComparison.Ordinal);
        var settings = AppSettingsTests.AppSettings(Deployed);
        Assert.Contains("grantTableEndpoints", settings["OAuth__Storage__GrantAccounts__0"], StringComparison.Ordinal);
    }

    [Fact]
    public void Tables_AreTheOnesTheServerUses_WithThePrefix()
    {
        var tables = Assert.Single(Deployed.DeployedOfType("Microsoft.Storage/storageAccounts/tableServices/tables"), t => t.Json["copy"]?["count"]?.ToString().Contains("tableNames", StringComparison.Ordinal) == true);
        Assert.Contains("parameters('tableNames')", (string?)tables.Json["copy"]?["count"], StringComparison.Ordinal);
        Assert.Contains("parameters('tablePrefix')", tables.Name, StringComparison.Ordinal);

        var storageModule = Assert.Single(Deployed.DeployedOfType("Microsoft.Resources/deployments"), r => r.Name == "storage");
        var passed = (string?)storageModule.Json["properties"]!["parameters"]!["tableNames"]!["value"];
        var names = ((JsonArray)infra.Template["variables"]!["tableNames"]!).Select(n => (string)n!).ToList();
        Assert.Equal("[variables('tableNames')]", passed);
        // The names OAuthTables.All uses (functions/Serverless.OAuth/Infrastructure/Storage/OAuthTables.cs).
        Assert.Equal(["clients", "users", "grants", "revocations", "expiry", "signingkeys", "lockouts", "apis", "sessions", "consents", "upstreamsignins", "upstreamlinks", "replays", "pushedrequests", "devicecodes"], names);
        Assert.Equal("oauth", (string?)infra.Template["parameters"]!["tablePrefix"]!["defaultValue"]);
    }

    [Fact]
    public void ThePurgeQueue_IsCreatedInTheHostStorage_UnderTheNameTheAppIsGiven()
    {
        var queue = Single("Microsoft.Storage/storageAccounts/queueServices/queues");
        Assert.Contains("parameters('purgeQueueName')", queue.Name, StringComparison.Ordinal);

        // The same name reaches the storage module and the app's PurgeQueueName (the queue trigger's %PurgeQueueName%).
        var modules = Deployed.DeployedOfType("Microsoft.Resources/deployments").ToList();
        var storage = Assert.Single(modules, r => r.Name == "storage");
        var api = Assert.Single(modules, r => r.Name == "api");
        Assert.Equal("[variables('purgeQueueName')]", (string?)storage.Json["properties"]!["parameters"]!["purgeQueueName"]!["value"]);
        Assert.Equal("[variables('purgeQueueName')]", (string?)api.Json["properties"]!["parameters"]!["purgeQueueName"]!["value"]);
        Assert.Equal("expiry-purge", (string?)infra.Template["variables"]!["purgeQueueName"]);
        Assert.Equal("[parameters('purgeQueueName')]", AppSettingsTests.AppSettings(Deployed)["PurgeQueueName"]);
    }

    [Fact]
    public void KeyVault_UsesRbacWithSoftDeleteAndPurgeProtection()
    {
        var vault = Single("Microsoft.KeyVault/vaults");

        Assert.True((bool?)vault.Properties["enableRbacAuthorization"]);
        Assert.True((bool?)vault.Properties["enableSoftDelete"]);
        Assert.True((bool?)vault.Properties["enablePurgeProtection"]);
        Assert.Null(vault.Properties["accessPolicies"]);
        Assert.False((bool?)vault.Properties["enabledForTemplateDeployment"]);
    }

    [Fact]
    public void ApplicationInsights_AcceptsOnlyEntraAuthenticatedTelemetry_IntoAWorkspace()
    {
        var components = Single("Microsoft.Insights/components");
        var workspace = Single("Microsoft.OperationalInsights/workspaces");

        Assert.True((bool?)components.Properties["DisableLocalAuth"]);
        Assert.Contains("Microsoft.OperationalInsights/workspaces", (string?)components.Properties["WorkspaceResourceId"], StringComparison.Ordinal);
        Assert.Equal("PerGB2018", (string?)workspace.Properties["sku"]?["name"]);
    }

    [Fact]
    public void Outputs_AreTheIssuerTheMetadataUrlAndTheAppName()
    {
        var outputs = (JsonObject)infra.Template["outputs"]!;

        Assert.Contains("https://{0}", (string?)outputs["OAUTH_ISSUER"]?["value"], StringComparison.Ordinal);
        Assert.Contains("https://{0}/.well-known/oauth-authorization-server", (string?)outputs["OAUTH_METADATA_URL"]?["value"], StringComparison.Ordinal);
        Assert.Contains("outputs.name.value", (string?)outputs["AZURE_FUNCTION_APP_NAME"]?["value"], StringComparison.Ordinal);
        Assert.All(outputs, o => Assert.Equal("string", (string?)o.Value?["type"]));
    }

    private ArmResource Single(string type) => Assert.Single(Deployed.DeployedOfType(type));
}
