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
    public void EveryMode_DeploysTheSixAlerts(string mode)
    {
        var deployed = infra.For(mode);

        Assert.Equal(5, deployed.DeployedOfType("Microsoft.Insights/scheduledQueryRules").Count());
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

    /// <summary>
    /// Traces are sampled, so a log alert counts items with sum(itemCount), never count(); and it keeps the timestamp
    /// (a measure column is aggregated over time bins; a query that summarizes the timestamp away is refused).
    /// </summary>
    [Fact]
    public void EveryLogAlert_CountsSampledItemsAndKeepsTheTimestamp()
    {
        foreach (var rule in infra.For("KeyVault").DeployedOfType("Microsoft.Insights/scheduledQueryRules"))
        {
            var criterion = rule.Properties["criteria"]!["allOf"]![0]!;
            var query = (string?)criterion["query"] ?? "";

            Assert.Contains("by bin(timestamp,", query, StringComparison.Ordinal);
            Assert.DoesNotContain("count()", query, StringComparison.Ordinal);
            Assert.DoesNotContain("countif(", query, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty((string?)criterion["metricMeasureColumn"]), $"{rule.Properties["displayName"]} has no measure column");
            Assert.Contains($"{criterion["metricMeasureColumn"]} =", query, StringComparison.Ordinal);
            if (query.StartsWith("requests", StringComparison.Ordinal) || query.StartsWith("traces", StringComparison.Ordinal))
            {
                Assert.Contains("itemCount", query, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void StorageThrottlingAlert_CountsTheServersStorageCallsAnswered503()
    {
        var criterion = QueryRule("Storage throttling").Properties["criteria"]!["allOf"]![0]!;

        Assert.Contains("name == \"oauth.storage.duration\"", (string?)criterion["query"], StringComparison.Ordinal);
        Assert.Contains("toint(customDimensions.status) == 503", (string?)criterion["query"], StringComparison.Ordinal);
        Assert.Contains("sum(valueCount)", (string?)criterion["query"], StringComparison.Ordinal);
        Assert.Equal("[parameters('storageThrottledThreshold')]", (string?)criterion["threshold"]);
    }

    [Fact]
    public void HostThrottlingAlert_CountsRequestsAnswered429()
    {
        var criterion = QueryRule("Functions host throttling").Properties["criteria"]!["allOf"]![0]!;

        Assert.Contains("resultCode == \"429\"", (string?)criterion["query"], StringComparison.Ordinal);
        Assert.Contains("sum(itemCount)", (string?)criterion["query"], StringComparison.Ordinal);
        Assert.Equal("[parameters('hostThrottledThreshold')]", (string?)criterion["threshold"]);
    }

    [Fact]
    public void PurgeBacklogAlert_ReadsThePurgeRunEvent()
    {
        var criterion = QueryRule("Purge backlog").Properties["criteria"]!["allOf"]![0]!;
        var query = (string?)criterion["query"];

        Assert.Contains($"customDimensions.EventId) == \"{EventIds.PurgeRun.Id}\"", query, StringComparison.Ordinal);
        Assert.Contains("IsPastDue", query, StringComparison.Ordinal);
        Assert.Contains("toint(customDimensions.BucketsWaiting) > 0", query, StringComparison.Ordinal);
        Assert.Contains("toint(customDimensions.BucketsPoisoned) > 0", query, StringComparison.Ordinal);
    }

    private ArmResource QueryRule(string displayName) => Assert.Single(
        infra.For("KeyVault").DeployedOfType("Microsoft.Insights/scheduledQueryRules"),
        r => (string?)r.Properties["displayName"] == displayName);
}
