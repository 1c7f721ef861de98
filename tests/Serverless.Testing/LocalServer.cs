using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Local;

namespace Serverless.Testing;

/// <summary>
/// The local host, started in this process on a free 127.0.0.1 port with real Kestrel, Azurite storage under its own
/// table prefix, its own signing key file and a manual clock. Tests speak real HTTP to it.
/// </summary>
public sealed class LocalServer : IOAuthTestServer
{
    public const string Password = TestRegistrations.Password;

    private readonly WebApplication _app;

    private LocalServer(WebApplication app, Uri baseAddress, ManualClock clock, string keyPath)
    {
        _app = app;
        BaseAddress = baseAddress;
        Clock = clock;
        KeyPath = keyPath;
    }

    public Uri BaseAddress { get; }

    public string Issuer => BaseAddress.ToString().TrimEnd('/');

    public ManualClock Clock { get; }

    public string KeyPath { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<LocalServer> StartAsync(
        Dictionary<string, string?>? settings = null,
        string? keyPath = null,
        string? tablePrefix = null,
        Action<IServiceCollection>? services = null,
        AzuriteServer? storageServer = null,
        string environment = "Development",
        ManualClock? clock = null,
        int? port = null)
    {
        var azurite = storageServer ?? await AzuriteServer.Shared;
        var storage = azurite.NewStorage();
        port ??= FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        clock ??= new ManualClock(DateTimeOffset.UtcNow);
        keyPath ??= Path.Combine(Path.GetTempPath(), "oauth-keys-" + Guid.NewGuid().ToString("N") + ".json");
        var configuration = new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = baseAddress.ToString().TrimEnd('/'),
            ["OAuth:Storage:ConnectionString"] = storage.ConnectionString,
            ["OAuth:Storage:TablePrefix"] = tablePrefix ?? storage.TablePrefix,
            ["OAuth:Signing:LocalKeyPath"] = keyPath,
            ["OAuth:SeedDemoData"] = "false",
        };
        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        var app = LocalHost.Build(["--urls", baseAddress.ToString(), "--environment", environment], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Services.AddSingleton<TimeProvider>(clock);
            services?.Invoke(builder.Services);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        return new LocalServer(app, baseAddress, clock, keyPath);
    }

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public Task PassTimeAsync(TimeSpan time)
    {
        Clock.Advance(time);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(KeyPath);
    }
}
