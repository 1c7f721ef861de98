using Azure.Core;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.Functions.Hosting;

/// <summary>
/// The worker's telemetry, in OpenTelemetry form (host.json sets the host's telemetryMode to match), exported to
/// Application Insights with the app's managed identity (the resource accepts Entra-authenticated telemetry only),
/// through the server's own <see cref="TokenCredential"/>, so the worker keeps one credential and one token cache.
/// With <c>telemetryMode: OpenTelemetry</c> the host.json <c>samplingSettings</c> do not apply to the worker: the
/// sampling is the exporter's, chosen here.
/// <list type="bullet">
/// <item>Traces (spans: the invocation, the server's endpoint, grant and storage spans) are sampled at
/// <see cref="TracesPerSecond"/> per instance: enough to follow requests, a bounded bill whatever the load.</item>
/// <item>Logs are never sampled: the exporter by default drops a log record written under a span that was sampled out
/// (its LogFilteringProcessor passes a record only without a span or with the span recorded), which would drop audit
/// events (sign-ins, revocations, refresh reuse) and errors at the trace sampling rate. Their volume is set by their
/// level instead: the server logs one line per security event and per failure, not per request.</item>
/// <item>Metrics are pre-aggregated (one point per instrument, tag set and minute), so they are exact and cheap.</item>
/// </list>
/// Where no connection string is set (locally, under the tests' host emulator) nothing is exported, so nothing is
/// collected either: no tracer or meter provider listens, and the server's instruments and spans cost nothing.
/// </summary>
internal static class WorkerTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>Traces kept per second per instance (the exporter's rate-limited sampler).</summary>
    public const double TracesPerSecond = 5;

    public static bool IsExported(IConfiguration configuration) => !string.IsNullOrEmpty(configuration[ConnectionStringSetting]);

    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        if (!IsExported(configuration))
        {
            return;
        }

        services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing.AddSource(ServerTelemetry.Name))
            .WithMetrics(metrics => metrics.AddMeter(ServerTelemetry.Name))
            .UseAzureMonitorExporter(ConfigureExporter);

        // The exporter reads its options when the providers are built, after the server's registrations.
        services.AddOptions<AzureMonitorExporterOptions>()
            .Configure<TokenCredential>((exporter, credential) => exporter.Credential ??= credential);
    }

    /// <summary>The sampling decisions above, on the exporter's options.</summary>
    public static void ConfigureExporter(AzureMonitorExporterOptions exporter)
    {
        exporter.TracesPerSecond = TracesPerSecond;
        exporter.EnableTraceBasedLogsSampler = false;
    }
}
