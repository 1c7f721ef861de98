using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serverless.Demo;
using Serverless.Functions.Hosting;
using Serverless.Functions.Http;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Telemetry;

var builder = FunctionsApplication.CreateBuilder(args);

// ASP.NET Core integration: functions take the real HttpRequest, which is what the core's handlers read.
builder.ConfigureFunctionsWebApplication();

// Inside the integration's own middleware: an exception a function lets through becomes the core's OAuth error.
builder.UseMiddleware<UnhandledExceptionMiddleware>();

// Only under the tests' host emulator (Development, storage on loopback): a clock the tests move. Refused elsewhere.
FileOffsetClock.AddIfAllowed(builder.Services, builder.Configuration, builder.Environment);

// The same registration as the local host, from the same "OAuth" settings (app settings OAuth__*).
builder.Services.AddServerlessOAuth(builder.Configuration);
builder.Services.AddServerlessDemo();

// Telemetry in OpenTelemetry form (host.json sets the host's telemetryMode to match): the invocation's trace carries
// the server's spans, and its metrics and logs go with them. In Azure they are exported to Application Insights with
// the app's managed identity (the resource accepts Entra-authenticated telemetry only); where no connection string is
// set (locally), nothing is exported.
var telemetry = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithTracing(tracing => tracing.AddSource(ServerTelemetry.Name))
    .WithMetrics(metrics => metrics.AddMeter(ServerTelemetry.Name));
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    telemetry.UseAzureMonitorExporter(exporter => exporter.Credential = new DefaultAzureCredential());
}

// Request-level logs of the HTTP pipeline and the Azure SDK repeat URLs and add nothing the host's own request
// telemetry lacks; the server's own logs say what happened without quoting request data.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Azure.Core", LogLevel.Warning);

builder.Build().Run();
