using System.Diagnostics;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.Testing.Telemetry;

namespace Serverless.Benchmarks.Issuance;

/// <summary>What the Azure Monitor exporter sent for a number of client_credentials tokens, every trace kept.</summary>
public sealed record TelemetryVolume(int Tokens, long Items, long Bytes, long SpanItems, long SpanBytes, long LogItems, long LogBytes, long MetricItems, long MetricBytes)
{
    public double BytesPerToken => (double)Bytes / Tokens;

    public double SpanBytesPerToken => (double)SpanBytes / Tokens;

    public double LogBytesPerToken => (double)LogBytes / Tokens;
}

/// <summary>
/// The telemetry one token costs in Application Insights: the whole POST /token path in process (as in section 1)
/// with the worker's exporter set-up (the Azure Monitor exporter for spans, metrics and logs, logs at Information)
/// and every trace kept, sent to <see cref="IngestionCapture"/> instead of Azure, which counts the items and their
/// JSON bytes (what ingestion bills, near enough). Each token runs inside a server span standing for the invocation's
/// request telemetry. The Functions host's own request telemetry is not in it.
/// </summary>
public static class TelemetryVolumeRun
{
    private static readonly ActivitySource Invocation = new("Serverless.Benchmarks.Invocation");

    public static TelemetryVolume Run(int tokens, TextWriter log)
    {
        var capture = new IngestionCapture();
        void Configure(AzureMonitorExporterOptions exporter)
        {
            exporter.ConnectionString = IngestionCapture.ConnectionString;
            exporter.Transport = capture.Transport;
            exporter.Credential = IngestionCapture.Credential;
            exporter.DisableOfflineStorage = true;
            exporter.SamplingRatio = 1;
            exporter.TracesPerSecond = null;
            exporter.EnableTraceBasedLogsSampler = false;
        }

        var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(ServerTelemetry.Name, Invocation.Name)
            .AddAzureMonitorTraceExporter(Configure)
            .Build();
        var metrics = Sdk.CreateMeterProviderBuilder()
            .AddMeter(ServerTelemetry.Name)
            .AddAzureMonitorMetricExporter(Configure)
            .Build();
        using var server = new InProcessTokenServer("ES256", services => services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Information)
            .AddOpenTelemetry(options => options.AddAzureMonitorLogExporter(Configure))));

        // Warm-up (the first token's one-off work), then what is counted.
        server.IssueAsync(Stream.Null).GetAwaiter().GetResult();
        tracing!.ForceFlush();
        metrics!.ForceFlush();
        capture.Clear();

        for (var i = 0; i < tokens; i++)
        {
            using var invocation = Invocation.StartActivity("POST /token", ActivityKind.Server);
            if (server.IssueAsync(Stream.Null).GetAwaiter().GetResult() != 200)
            {
                throw new InvalidOperationException("The token endpoint did not answer 200.");
            }
        }

        tracing.ForceFlush();
        metrics.ForceFlush();
        tracing.Dispose();
        metrics.Dispose();
        server.Dispose();

        var items = capture.Items;
        var spans = items.Where(i => i.Contains("\"name\":\"Request\"", StringComparison.Ordinal) || i.Contains("\"name\":\"RemoteDependency\"", StringComparison.Ordinal)).ToList();
        var logs = items.Where(i => i.Contains("\"name\":\"Message\"", StringComparison.Ordinal) || i.Contains("\"name\":\"Exception\"", StringComparison.Ordinal)).ToList();
        var metricItems = items.Where(i => i.Contains("\"name\":\"Metric\"", StringComparison.Ordinal)).ToList();
        static long Size(IEnumerable<string> list) => list.Sum(i => (long)System.Text.Encoding.UTF8.GetByteCount(i));
        var volume = new TelemetryVolume(tokens, items.Count, capture.Bytes, spans.Count, Size(spans), logs.Count, Size(logs), metricItems.Count, Size(metricItems));
        log.WriteLine($"  {tokens} tokens: {volume.Items} items, {volume.Bytes:N0} B ({volume.BytesPerToken:F0} B per token: spans {volume.SpanItems} items {volume.SpanBytesPerToken:F0} B/token, logs {volume.LogItems} items {volume.LogBytesPerToken:F0} B/token, metrics {volume.MetricItems} items {volume.MetricBytes:N0} B in all)");
        var sample = items.FirstOrDefault(i => i.Contains("\"name\":\"RemoteDependency\"", StringComparison.Ordinal) || i.Contains("\"name\":\"Request\"", StringComparison.Ordinal));
        if (sample is not null)
        {
            log.WriteLine("  a span as sent: " + (sample.Length > 600 ? sample[..600] + "..." : sample));
        }

        return volume;
    }
}
