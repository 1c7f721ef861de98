using Serverless.Infra.Tests.Support;

namespace Serverless.Infra.Tests;

/// <summary>
/// Sign-in with Microsoft Entra ID in Azure (docs/upstream-sign-in.md): the provider's app settings are always there
/// and off until entraClientId is given; without a secret the Function App's managed identity is the app
/// registration's federated credential (its client id is the setting), and the fallback secret is a Key Vault
/// reference, never a value, with read access to that one secret only when it is used.
/// </summary>
[Collection(CompiledInfraCollection.Name)]
public sealed class UpstreamSignInInfraTests(CompiledInfra infra)
{
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string Prefix = "OAuth__Upstream__Providers__entra__";

    [Fact]
    public void TheEntraProvider_IsConfiguredFromTheParameters_WithTheManagedIdentityAsItsCredential()
    {
        var settings = AppSettingsTests.AppSettings(infra.For("KeyVault"));

        Assert.Equal("Entra", settings[Prefix + "Kind"]);
        Assert.Equal("[parameters('entraClientId')]", settings[Prefix + "ClientId"]);
        Assert.Equal("[parameters('entraTenant')]", settings[Prefix + "Tenant"]);
        Assert.Contains("join(parameters('entraAllowedTenants'), ',')", settings[Prefix + "AllowedTenants__0"], StringComparison.Ordinal);
        Assert.Contains("parameters('identityClientId')", settings[Prefix + "ManagedIdentityClientId"], StringComparison.Ordinal);
        Assert.Contains("empty(parameters('entraClientSecretName'))", settings[Prefix + "ManagedIdentityClientId"], StringComparison.Ordinal);
        // The secret is a Key Vault reference to a named secret, resolved by the app's identity; never a value.
        Assert.Contains("@Microsoft.KeyVault(VaultName=", settings[Prefix + "ClientSecret"], StringComparison.Ordinal);

        var site = Assert.Single(infra.For("KeyVault").DeployedOfType("Microsoft.Web/sites"));
        Assert.Equal("[parameters('identityId')]", (string?)site.Properties["keyVaultReferenceIdentity"]);
    }

    [Fact]
    public void Deployed_EntraIsOffByDefault_AndFederated_NoSecretAccess()
    {
        var parameters = infra.Template["parameters"]!;
        Assert.Equal("", (string?)parameters["entraClientId"]!["defaultValue"]);
        Assert.Equal("organizations", (string?)parameters["entraTenant"]!["defaultValue"]);
        Assert.Equal("", (string?)parameters["entraClientSecretName"]!["defaultValue"]);

        Assert.DoesNotContain(RoleAssignment.In(infra.For("KeyVault")), a => a.RoleId == KeyVaultSecretsUser);
    }

    [Fact]
    public void WithTheFallbackSecret_TheIdentityMayReadThatSecretOnly()
    {
        var template = infra.For("KeyVault", new Dictionary<string, string> { ["entraClientSecretName"] = "entra-client-secret" });

        var secrets = Assert.Single(RoleAssignment.In(template), a => a.RoleId == KeyVaultSecretsUser);
        Assert.Equal("rbac", secrets.Module);
        Assert.Contains("Microsoft.KeyVault/vaults/secrets", secrets.Scope, StringComparison.Ordinal);
        Assert.Contains("parameters('entraClientSecretName')", secrets.Scope, StringComparison.Ordinal);
    }

    private const string DeploymentScripts = "Microsoft.Resources/deploymentScripts";
    private const string Deployer = "/subscriptions/0000/resourceGroups/rg-admin/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-entra-deployer";

    [Fact]
    public void TheFederatedCredential_IsMadeByADeploymentScript_OnlyWithAClientId_NoSecret_AndADeployerIdentity()
    {
        Assert.Empty(infra.For("KeyVault").DeployedOfType(DeploymentScripts));
        Assert.Empty(infra.For("KeyVault", new Dictionary<string, string> { ["entraClientId"] = "app-id" }).DeployedOfType(DeploymentScripts));
        Assert.Empty(infra.For("KeyVault", new Dictionary<string, string>
        {
            ["entraClientId"] = "app-id", ["entraFederationDeployerIdentityId"] = Deployer, ["entraClientSecretName"] = "entra-client-secret",
        }).DeployedOfType(DeploymentScripts));

        var script = Assert.Single(infra.For("KeyVault", new Dictionary<string, string>
        {
            ["entraClientId"] = "app-id", ["entraFederationDeployerIdentityId"] = Deployer,
        }).DeployedOfType(DeploymentScripts));

        Assert.Equal("AzureCLI", (string?)script.Json["kind"]);
        Assert.Equal("UserAssigned", (string?)script.Json["identity"]!["type"]);
        Assert.Contains("parameters('deployerIdentityId')", Assert.Single(script.Json["identity"]!["userAssignedIdentities"]!.AsObject()).Key, StringComparison.Ordinal);
        var environment = script.Properties["environmentVariables"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => script.Scope.InlineVariables((string?)e!["value"] ?? ""));
        Assert.Equal("[parameters('entraClientId')]", environment["APP_ID"]);
        Assert.Equal("[parameters('subjectPrincipalId')]", environment["FIC_SUBJECT"]);
        Assert.Contains("api://AzureADTokenExchange", environment["FIC_AUDIENCE"], StringComparison.Ordinal);
        Assert.Contains("environment().authentication.loginEndpoint", environment["FIC_ISSUER"], StringComparison.Ordinal);
        Assert.Contains("tenant().tenantId", environment["FIC_ISSUER"], StringComparison.Ordinal);
        Assert.Contains("/v2.0", environment["FIC_ISSUER"], StringComparison.Ordinal);
        var content = (string)script.Properties["scriptContent"]!;
        Assert.Contains("az ad app federated-credential create", content, StringComparison.Ordinal);
        Assert.Contains("az ad app federated-credential update", content, StringComparison.Ordinal);
        // The subject is the Function App's own identity, passed from the identity module's output.
        var module = Assert.Single(ArmTemplate.ResourcesOf(infra.Template), r => (string?)r["name"] == "entra-federation");
        Assert.Contains("principalId", (string?)module["properties"]!["parameters"]!["subjectPrincipalId"]!["value"], StringComparison.Ordinal);
        // No secret goes into the script: its inputs are ids and names only.
        Assert.DoesNotContain(environment, e => e.Key.Contains("SECRET", StringComparison.OrdinalIgnoreCase));
    }
}
