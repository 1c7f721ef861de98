using Serverless.Infra.Tests.Support;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.Infra.Tests;

/// <summary>The alert rules of infra/app/alerts.bicep, as compiled: what each watches, and who is told.</summary>
[Collection(CompiledInfraCollection.Name)]
public sealed class AlertTests(CompiledInfra infra)
{
    public static TheoryData<string> Modes => [.. CompiledInfra.SigningModes];

    [Theory]
    [MemberData(nameof(Modes))]
    public void EveryMode_DeploysTheThreeAlerts(string mode)
    {
        var deployed = infra.For(mode);

        Assert.Equal(2, deployed.DeployedOfType("Microsoft.Insights/scheduledQueryRules").Count());
        Assert.Single(deployed.DeployedOfType("Microsoft.Insights/metricAlerts"));
    }

    [Fact]
    public void RefreshReuseAlert_QueriesTheServersReuseCounter_InApplicationInsights()
    {
        var rule = QueryRule("Refresh token reuse spike");
        var criterion = rule.Properties["criteria"]!["allOf"]![0]!;

        Assert.Contains($"name == \"{ServerTelemetry.RefreshReuseInstrument}\"", (string?)criterion["query"], StringComparison.Ordinal);
        Assert.Equal("GreaterThan", (string?)criterion["operator"]);
        Assert.Equal("[parameters('refreshReuseThreshold')]", (string?)criterion["threshold"]);
        Assert.Contains("Microsoft.Insights/components", (string?)rule.Properties["scopes"]![0], StringComparison.Ordinal);
        Assert.Equal(1, (int?)rule.Properties["severity"]);
    }

    [Fact]
    public void ServerErrorAlert_WatchesThe5xxShareOfRequests()
    {
        var criterion = QueryRule("Server error rate").Properties["criteria"]!["allOf"]![0]!;

        Assert.Contains("toint(resultCode) >= 500", (string?)criterion["query"], StringComparison.Ordinal);
        Assert.Equal("failedPercent", (string?)criterion["metricMeasureColumn"]);
        Assert.Equal("[parameters('serverErrorPercentThreshold')]", (string?)criterion["threshold"]);
    }

    [Fact]
    public void KeyVaultAlert_FiresOnAnyThrottledVaultRequest()
    {
        var alert = Assert.Single(infra.For("KeyVault").DeployedOfType("Microsoft.Insights/metricAlerts"));
        var criterion = alert.Properties["criteria"]!["allOf"]![0]!;

        Assert.Contains("Microsoft.KeyVault/vaults", (string?)alert.Properties["scopes"]![0], StringComparison.Ordinal);
        Assert.Equal("ServiceApiResult", (string?)criterion["metricName"]);
        Assert.Equal("StatusCode", (string?)criterion["dimensions"]![0]!["name"]);
        Assert.Equal("429", (string?)criterion["dimensions"]![0]!["values"]![0]);
        Assert.Equal(0, (int?)criterion["threshold"]);
    }

    [Fact]
    public void AnActionGroup_IsMadeOnlyWhenAnAlertEmailIsGiven()
    {
        Assert.Empty(infra.For("KeyVault").DeployedOfType("Microsoft.Insights/actionGroups"));

        var withEmail = infra.For("KeyVault", new Dictionary<string, string> { ["alertEmail"] = "ops@example.com" });

        var group = Assert.Single(withEmail.DeployedOfType("Microsoft.Insights/actionGroups"));
        Assert.Equal("[parameters('alertEmail')]", (string?)group.Properties["emailReceivers"]![0]!["emailAddress"]);
    }

    private ArmResource QueryRule(string displayName) => Assert.Single(
        infra.For("KeyVault").DeployedOfType("Microsoft.Insights/scheduledQueryRules"),
        r => (string?)r.Properties["displayName"] == displayName);
}
