using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>host.json and local.settings.sample.json say what the app needs, and nothing it does not read.</summary>
public sealed class SettingsFilesTests
{
    private static readonly JsonDocument HostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "host.json")));
    private static readonly JsonDocument Sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "local.settings.sample.json")));

    private static Dictionary<string, string> SampleValues =>
        Sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    [Fact]
    public void HostJson_ServesRoutesAtTheRoot()
    {
        Assert.Equal("2.0", HostJson.RootElement.GetProperty("version").GetString());
        Assert.Equal("", HostJson.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
    }

    [Fact]
    public void TheSample_SetsThePurgeTimersSchedule()
    {
        var schedule = Assert.Single(FunctionCatalog.All, f => f.TimerTrigger is not null).TimerTrigger!.Schedule;
        Assert.StartsWith("%", schedule);
        Assert.True(SampleValues.TryGetValue(schedule.Trim('%'), out var cron));
        Assert.Equal(6, cron!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void TheSample_NamesThePurgeQueue_InTheHostStorage()
    {
        var queueName = Assert.Single(FunctionCatalog.All, f => f.QueueTrigger is not null).QueueTrigger!.QueueName;
        Assert.True(SampleValues.TryGetValue(queueName.Trim('%'), out var name));
        Assert.Matches("^[a-z0-9](-?[a-z0-9])+$", name);
        Assert.Equal("UseDevelopmentStorage=true", SampleValues[Maintenance.PurgeQueue.ConnectionSetting]);
    }

    [Fact]
    public void HostJson_GivesAnInstanceEightBucketsAtOnce_SoThePurgeSpreadsOverInstancesWithoutTakingTheCap()
    {
        // Target-based scaling asks for queue length / (batchSize + newBatchThreshold) instances (QueueTargetScaler);
        // each bucket keeps up to 32 storage requests in flight. A run at full load queues 5 minutes x 32 buckets per
        // account: 8 at once asks for 20 instances, half the default maximumInstanceCount that sign-ins share.
        var queues = HostJson.RootElement.GetProperty("extensions").GetProperty("queues");
        Assert.Equal(8, queues.GetProperty("batchSize").GetInt32());
        Assert.Equal(0, queues.GetProperty("newBatchThreshold").GetInt32());
        Assert.Equal(5, queues.GetProperty("maxDequeueCount").GetInt32());
    }

    [Fact]
    public void EveryOAuthKeyOfTheSample_BindsToAnOption()
    {
        foreach (var key in SampleValues.Keys.Where(k => k.StartsWith(OAuthServerOptions.SectionName + "__", StringComparison.Ordinal)))
        {
            var type = typeof(OAuthServerOptions);
            foreach (var segment in key.Split("__").Skip(1))
            {
                var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                Assert.True(property is not null, $"{key} names no option ({segment} is not a property of {type.Name}).");
                type = property!.PropertyType;
            }
        }
    }

    [Fact]
    public void TheSample_IsAValidConfiguration()
    {
        // App settings reach the worker as environment variables, where "__" separates sections.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(SampleValues.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)))
            .Build();
        var options = configuration.GetSection(OAuthServerOptions.SectionName).Get<OAuthServerOptions>()!;

        Assert.Empty(options.Validate());
        Assert.Equal("http://localhost:7071", options.Issuer);
        Assert.Equal(7071, Sample.RootElement.GetProperty("Host").GetProperty("LocalHttpPort").GetInt32());
    }
}
