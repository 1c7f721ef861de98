using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Serverless.FunctionsHost;
using Serverless.OAuth.Http;

namespace Serverless.Testing;

/// <summary>
/// The Functions app as it is deployed: its built worker as a child process behind the host emulator, against
/// Azurite under its own table prefix, with its own signing key file. Tests register clients and users through the
/// core's stores in this process, against the same tables.
/// </summary>
public sealed class FunctionsWorkerServer : IOAuthTestServer
{
    private readonly ServiceProvider _services;

    /// <summary>The worker's test clock: the real time plus the offset in this file (TestClock:OffsetFile), or null.</summary>
    private readonly string? _clockFile;
    private long _offsetTicks;

    private FunctionsWorkerServer(FunctionsHostEmulator host, ServiceProvider services, string keyPath, string? clockFile)
    {
        Host = host;
        _services = services;
        KeyPath = keyPath;
        _clockFile = clockFile;
    }

    /// <summary>The worker's setting naming its clock's offset file (the Functions app's FileOffsetClock).</summary>
    public const string ClockSetting = "TestClock:OffsetFile";

    /// <summary>The build output of functions/Serverless.Functions in this configuration (the test project builds it first).</summary>
    public static string AppDirectory { get; } = typeof(FunctionsWorkerServer).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsAppDirectory").Value!;

    public FunctionsHostEmulator Host { get; }

    public Uri BaseAddress => Host.BaseAddress;

    public string Issuer => BaseAddress.ToString().TrimEnd('/');

    public string KeyPath { get; }

    public IServiceProvider Services => _services;

    /// <summary>
    /// Starts the worker with settings in configuration form ("OAuth:Issuer"), which it receives as app settings
    /// (OAuth__Issuer), after the defaults: this server's issuer, storage, key file, and no demo data.
    /// <paramref name="coreServices"/> changes the test's own core services (e.g. a clock in the past, to write rows
    /// that have already expired), never the worker's. With <paramref name="httpsCertificate"/> the emulator serves
    /// https (the issuer is then https://127.0.0.1:port), as Azure's front end does.
    /// </summary>
    public static async Task<FunctionsWorkerServer> StartAsync(
        Dictionary<string, string?>? settings = null,
        string environment = "Development",
        AzuriteServer? storageServer = null,
        Action<IServiceCollection>? coreServices = null,
        System.Security.Cryptography.X509Certificates.X509Certificate2? httpsCertificate = null,
        int? port = null)
    {
        var azurite = storageServer ?? await AzuriteServer.Shared;
        var storage = azurite.NewStorage();
        port ??= FreePort.Next();
        var issuer = $"{(httpsCertificate is null ? "http" : "https")}://127.0.0.1:{port}";
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-keys-" + Guid.NewGuid().ToString("N") + ".json");
        var configuration = new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = issuer,
            ["OAuth:Storage:ConnectionString"] = storage.ConnectionString,
            ["OAuth:Storage:TablePrefix"] = storage.TablePrefix,
            ["OAuth:Signing:LocalKeyPath"] = keyPath,
            ["OAuth:SeedDemoData"] = "false",
        };
        // In Development on Azurite (the only place the worker honours it) the worker's clock is the real time plus an
        // offset this server writes, so PassTimeAsync moves it without waiting.
        string? clockFile = null;
        if (environment == "Development")
        {
            clockFile = Path.Combine(Path.GetTempPath(), "worker-clock-" + Guid.NewGuid().ToString("N") + ".txt");
            configuration[ClockSetting] = clockFile;
        }

        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        var appSettings = configuration.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);
        appSettings["AZURE_FUNCTIONS_ENVIRONMENT"] = environment;
        appSettings["PurgeSchedule"] = "0 */5 * * * *";
        // The host's own storage holds the purge's queue; each server has its own queue, as it has its own tables.
        appSettings["AzureWebJobsStorage"] = (await AzuriteServer.SharedQueue).ConnectionString;
        appSettings["PurgeQueueName"] = storage.TablePrefix + "-purge";
        var host = await FunctionsHostEmulator.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = AppDirectory,
            HttpPort = port.Value,
            UseLocalSettings = false,
            Settings = appSettings,
            HttpsCertificate = httpsCertificate,
        });

        return new FunctionsWorkerServer(host, BuildCoreServices(configuration, environment, coreServices), keyPath, configuration.GetValueOrDefault(ClockSetting) is { Length: > 0 } ? clockFile : null);
    }

    /// <summary>The core's services with the worker's settings, so what they write the worker reads.</summary>
    private static ServiceProvider BuildCoreServices(Dictionary<string, string?> configuration, string environment, Action<IServiceCollection>? configure)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment
        {
            EnvironmentName = environment,
            ApplicationName = "Serverless.Functions",
            ContentRootPath = AppDirectory,
        });
        configure?.Invoke(services);
        services.AddServerlessOAuth(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        return services.BuildServiceProvider();
    }

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>Moves the worker's clock (writing its offset file, atomically); without a test clock, waits the time out.</summary>
    public Task PassTimeAsync(TimeSpan time)
    {
        if (_clockFile is null)
        {
            return Task.Delay(time);
        }

        var offset = Interlocked.Add(ref _offsetTicks, time.Ticks);
        var temporary = _clockFile + ".tmp";
        File.WriteAllText(temporary, offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(temporary, _clockFile, overwrite: true);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await _services.DisposeAsync();
        File.Delete(KeyPath);
        if (_clockFile is not null)
        {
            File.Delete(_clockFile);
        }
    }
}
