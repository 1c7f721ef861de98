using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.Benchmarks.Issuance;

/// <summary>
/// The OpenTelemetry SDK collecting every span and measurement of the server and handing them to an exporter, as the
/// Functions app and the local host configure it (a batch span processor, a periodic metric reader); the exporter
/// discards, so what a benchmark measures with this started is the server's own cost, not a network's.
/// </summary>
public sealed class CollectedTelemetry : IDisposable
{
    private readonly TracerProvider _tracing = Sdk.CreateTracerProviderBuilder()
        .AddSource(ServerTelemetry.Name)
        .AddProcessor(new BatchActivityExportProcessor(new DiscardingExporter<Activity>()))
        .Build();

    private readonly MeterProvider _metrics = Sdk.CreateMeterProviderBuilder()
        .AddMeter(ServerTelemetry.Name)
        .AddReader(new PeriodicExportingMetricReader(new DiscardingExporter<Metric>(), exportIntervalMilliseconds: 1000))
        .Build();

    public void Dispose()
    {
        _tracing.Dispose();
        _metrics.Dispose();
    }

    private sealed class DiscardingExporter<T> : BaseExporter<T>
        where T : class
    {
        public override ExportResult Export(in Batch<T> batch) => ExportResult.Success;
    }
}
