using System.Diagnostics;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using Serverless.Functions.Hosting;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.Testing.Telemetry;

namespace Serverless.Functions.Tests;

/// <summary>
/// The worker's telemetry decisions: logs (audit events, errors) reach Application Insights even when the trace they
/// were written in was sampled out, and nothing is collected where nothing is exported.
/// </summary>
public sealed class WorkerTelemetryTests
{
    [Fact]
    public void An_audit_event_written_under_a_sampled_out_trace_is_exported()
    {
        var exported = ExportUnderSampledOutSpan(WorkerTelemetry.ConfigureExporter);

        Assert.Contains(exported, item => item.Contains("audit-under-sampled-out-trace", StringComparison.Ordinal));
        Assert.Contains(exported, item => item.Contains($"\"EventId\":\"{EventIds.FamilyRevokedForReuse}\"", StringComparison.Ordinal));
    }

    /// <summary>Why the worker turns the trace-based log sampler off: with the exporter's default, the event is dropped.</summary>
    [Fact]
    public void With_the_exporter_s_default_the_same_event_is_dropped()
    {
        var exported = ExportUnderSampledOutSpan(_ => { });

        Assert.DoesNotContain(exported, item => item.Contains("audit-under-sampled-out-trace", StringComparison.Ordinal));
    }

    private static IReadOnlyList<string> ExportUnderSampledOutSpan(Action<AzureMonitorExporterOptions> configure)
    {
        var capture = new IngestionCapture();
        using (var logging = LoggerFactory.Create(builder => builder.AddOpenTelemetry(options => options.AddAzureMonitorLogExporter(exporter =>
        {
            exporter.ConnectionString = IngestionCapture.ConnectionString;
            exporter.Transport = capture.Transport;
            exporter.Credential = IngestionCapture.Credential;
            exporter.DisableOfflineStorage = true;
            configure(exporter);
        }))))
        {
            var logger = logging.CreateLogger("Serverless.OAuth.Audit");

            // A span the sampler dropped: it has ids, but it is not recorded.
            using var sampledOut = new Activity("POST /token").SetIdFormat(ActivityIdFormat.W3C).Start();
            sampledOut.ActivityTraceFlags = ActivityTraceFlags.None;
            logger.LogWarning(new EventId(EventIds.FamilyRevokedForReuse, nameof(EventIds.FamilyRevokedForReuse)), "Refresh token reuse: family {Family} revoked", "audit-under-sampled-out-trace");
        }

        return capture.Items;
    }

    [Fact]
    public void Traces_are_sampled_at_a_chosen_rate_and_logs_are_not()
    {
        var exporter = new AzureMonitorExporterOptions();

        WorkerTelemetry.ConfigureExporter(exporter);

        Assert.Equal(WorkerTelemetry.TracesPerSecond, exporter.TracesPerSecond);
        Assert.False(exporter.EnableTraceBasedLogsSampler);
    }

    [Fact]
    public void The_exporter_signs_in_with_the_server_s_credential()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Azure.Core.TokenCredential>(IngestionCapture.Credential);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new(WorkerTelemetry.ConnectionStringSetting, IngestionCapture.ConnectionString)])
            .Build();
        WorkerTelemetry.Add(services, configuration);
        using var provider = services.BuildServiceProvider();

        var exporter = provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Microsoft.Extensions.Options.Options.DefaultName);

        Assert.Same(IngestionCapture.Credential, exporter.Credential);
        Assert.Equal(WorkerTelemetry.TracesPerSecond, exporter.TracesPerSecond);
    }

    [Fact]
    public void Without_a_connection_string_nothing_listens_to_the_server_s_spans()
    {
        var services = new ServiceCollection();
        WorkerTelemetry.Add(services, new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();

        Assert.Null(provider.GetService<TracerProvider>());
    }
}
