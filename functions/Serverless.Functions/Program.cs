using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.Demo;
using Serverless.Functions.Hosting;
using Serverless.Functions.Http;
using Serverless.Functions.Maintenance;
using Serverless.OAuth.Http;

var builder = FunctionsApplication.CreateBuilder(args);

// Registered before the integration, so it runs around the integration's middleware: once that has written an HTTP
// function's result to the response, the result is not also serialized and sent to the host (which ignores it).
builder.UseMiddleware<ProxiedResultMiddleware>();

// ASP.NET Core integration: functions take the real HttpRequest, which is what the core's handlers read.
builder.ConfigureFunctionsWebApplication();

// Inside the integration's own middleware: an exception a function lets through becomes the core's OAuth error.
builder.UseMiddleware<UnhandledExceptionMiddleware>();

// Only under the tests' host emulator (Development, storage on loopback): a clock the tests move. Refused elsewhere.
FileOffsetClock.AddIfAllowed(builder.Services, builder.Configuration, builder.Environment);

// The same registration as the local host, from the same "OAuth" settings (app settings OAuth__*).
builder.Services.AddServerlessOAuth(builder.Configuration);
builder.Services.AddServerlessDemo();

// The queue the purge timer spreads due buckets over (ExpiryPurgeFunction), with the server's own credential.
builder.Services.AddSingleton(sp => new PurgeQueue(builder.Configuration, sp.GetRequiredService<Azure.Core.TokenCredential>));

// Telemetry (spans, metrics, logs) exported to Application Insights where a connection string is set; the sampling
// is chosen and explained in WorkerTelemetry.
WorkerTelemetry.Add(builder.Services, builder.Configuration);

// Request-level logs of the HTTP pipeline and the Azure SDK repeat URLs and add nothing the host's own request
// telemetry lacks; the server's own logs say what happened without quoting request data.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Azure.Core", LogLevel.Warning);

// Nothing before the first request that the first request does not need (StartupWork).
StartupWork.RemoveEagerDataProtectionKeyLoad(builder.Services);

builder.Build().Run();
