using Serverless.Infra.Tests.Support;
using static Serverless.Infra.Tests.Support.RoleAssignment;

namespace Serverless.Infra.Tests;

[Collection(CompiledInfraCollection.Name)]
public sealed class RoleAssignmentTests(CompiledInfra infra)
{
    private const string StorageScope = "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]";
    private const string SigningKeyScope = "[resourceId('Microsoft.KeyVault/vaults/keys', parameters('keyVaultName'), parameters('signingKeyName'))]";
    private const string SecondSigningKeyScope = "[resourceId('Microsoft.KeyVault/vaults/keys', parameters('keyVaultName'), parameters('secondSigningKeyName'))]";
    private const string WrappingKeyScope = "[resourceId('Microsoft.KeyVault/vaults/keys', parameters('keyVaultName'), parameters('wrappingKeyName'))]";
    private const string VaultScope = "[resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))]";
    private const string ApplicationInsightsScope = "[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]";

    [Fact]
    public void KeyVaultMode_AppIdentityGetsExactlyTheseRoles()
    {
        var app = AppIdentityAssignments("KeyVault");

        (string, string)[] expected =
        [
            (StorageTableDataContributor, StorageScope),
            (StorageBlobDataOwner, StorageScope),
            (StorageQueueDataContributor, StorageScope),
            (KeyVaultCryptoUser, SigningKeyScope),
            (KeyVaultCryptoUser, SecondSigningKeyScope),
            (MonitoringMetricsPublisher, ApplicationInsightsScope),
        ];
        Assert.Equal(expected.Order(), app.Select(a => (a.RoleId, a.Scope)).Order());
    }

    [Fact]
    public void KeyVaultWrappedMode_CryptoUserIsOnTheWrappingKeyOnly()
    {
        var crypto = AppIdentityAssignments("KeyVaultWrapped").Where(a => a.RoleId == KeyVaultCryptoUser).ToList();

        Assert.Equal(WrappingKeyScope, Assert.Single(crypto).Scope);
    }

    [Fact]
    public void LocalMode_AppIdentityHasNoKeyVaultRole()
    {
        var app = AppIdentityAssignments("Local");

        Assert.DoesNotContain(app, a => a.RoleId == KeyVaultCryptoUser);
        Assert.Contains(app, a => a.RoleId == StorageTableDataContributor);
    }

    [Theory]
    [InlineData("KeyVault")]
    [InlineData("KeyVaultWrapped")]
    [InlineData("Local")]
    public void AppIdentityAssignments_AreForTheUserAssignedIdentityAsAServicePrincipal(string mode)
    {
        var rbac = Module(infra.For(mode), "rbac");
        var passed = (string?)rbac.Json["properties"]!["parameters"]!["principalId"]!["value"];
        Assert.Contains("'identity')", passed, StringComparison.Ordinal);
        Assert.EndsWith(".outputs.principalId.value]", passed, StringComparison.Ordinal);

        Assert.All(AppIdentityAssignments(mode), a =>
        {
            Assert.Equal("[parameters('principalId')]", a.PrincipalId);
            Assert.Equal("ServicePrincipal", a.PrincipalType);
        });
    }

    [Fact]
    public void NoAssignmentAnywhere_GrantsABroadRole()
    {
        var allowed = new[] { StorageTableDataContributor, StorageBlobDataOwner, StorageQueueDataContributor, KeyVaultCryptoUser, KeyVaultCryptoOfficer, MonitoringMetricsPublisher };
        var everything = infra.For("KeyVault", new Dictionary<string, string> { ["principalId"] = "00000000-0000-0000-0000-000000000001" });

        var assignments = RoleAssignment.In(everything);

        Assert.NotEmpty(assignments);
        Assert.All(assignments, a => Assert.Contains(a.RoleId, allowed));
        Assert.All(assignments, a => Assert.NotEqual("(deployment scope)", a.Scope));
    }

    [Fact]
    public void WithoutAnOperator_NoOperatorAccessIsDeployed()
    {
        var assignments = RoleAssignment.In(infra.For("KeyVault"));

        Assert.DoesNotContain(assignments, a => a.Module == "operator-access");
    }

    [Fact]
    public void WithAnOperator_TheOperatorGetsTableDataAndKeyManagement()
    {
        var template = infra.For("KeyVault", new Dictionary<string, string>
        {
            ["principalId"] = "00000000-0000-0000-0000-000000000001",
            ["principalType"] = "User",
        });

        var operatorRoles = RoleAssignment.In(template).Where(a => a.Module == "operator-access").ToList();

        (string, string)[] expected = [(StorageTableDataContributor, StorageScope), (KeyVaultCryptoOfficer, VaultScope)];
        Assert.Equal(expected.Order(), operatorRoles.Select(a => (a.RoleId, a.Scope)).Order());
        Assert.All(operatorRoles, a => Assert.Equal("[parameters('principalType')]", a.PrincipalType));
    }

    [Fact]
    public void RoleGuids_InTheBicepSource_AreCommentedWithTheirRoleNames()
    {
        var names = new Dictionary<string, string>
        {
            [StorageTableDataContributor] = "Storage Table Data Contributor",
            [StorageBlobDataOwner] = "Storage Blob Data Owner",
            [KeyVaultCryptoUser] = "Key Vault Crypto User",
            [KeyVaultCryptoOfficer] = "Key Vault Crypto Officer",
            [MonitoringMetricsPublisher] = "Monitoring Metrics Publisher",
        };

        var lines = Directory.EnumerateFiles(CompiledInfra.InfraDirectory, "*.bicep", SearchOption.AllDirectories)
            .SelectMany(File.ReadLines)
            .Where(l => names.Keys.Any(g => l.Contains(g, StringComparison.OrdinalIgnoreCase)))
            .ToList();

        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Contains("// " + names.Single(n => line.Contains(n.Key, StringComparison.OrdinalIgnoreCase)).Value, line, StringComparison.Ordinal));
    }

    private List<RoleAssignment> AppIdentityAssignments(string mode) =>
        RoleAssignment.In(infra.For(mode)).Where(a => a.Module == "rbac").ToList();

    private static ArmResource Module(ArmTemplate template, string name) =>
        Assert.Single(template.DeployedOfType("Microsoft.Resources/deployments"), r => r.Name == name);
}
