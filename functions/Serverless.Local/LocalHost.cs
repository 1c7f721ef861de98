using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serverless.Demo;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.Local;

/// <summary>The local host: the same routes as the Functions app (the server's and the demo's), at the root, on http://localhost:7071 by default.</summary>
public static class LocalHost
{
    public const string DefaultUrl = "http://localhost:7071";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // OAuth requests are small; refuse large bodies and header blocks before any code runs.
            kestrel.Limits.MaxRequestBodySize = RequestBody.MaxFormBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestLineSize = 16 * 1024;
            kestrel.AddServerHeader = false;
        });
        // The caller's configuration and services (tests: storage, a manual clock) come first; the server's
        // registrations are TryAdd, so they yield to them.
        configure?.Invoke(builder);
        builder.Services.AddServerlessOAuth(builder.Configuration);
        builder.Services.AddServerlessDemo();
        builder.Services.AddHostedService<PurgeTimer>();
        AddOtlpExport(builder);

        var app = builder.Build();
        app.MapServerlessOAuth();
        app.MapServerlessDemo();
        return app;
    }

    /// <summary>
    /// Traces (the request's span with the server's spans inside it), the server's metrics and logs, sent over OTLP
    /// to OTEL_EXPORTER_OTLP_ENDPOINT (e.g. a local collector or the Aspire dashboard) when it is set; nothing otherwise.
    /// </summary>
    private static void AddOtlpExport(WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("serverless-oauth"))
            .WithTracing(tracing => tracing.AddSource(ServerTelemetry.Name).AddAspNetCoreInstrumentation().AddOtlpExporter())
            .WithMetrics(metrics => metrics.AddMeter(ServerTelemetry.Name).AddOtlpExporter())
            .WithLogging(logging => logging.AddOtlpExporter());
    }
}
