using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Local;
using Serverless.Testing;

namespace Serverless.BrowserTests;

/// <summary>
/// The local host in Development, started in this process on a free 127.0.0.1 port with real Kestrel and Azurite
/// (as the integration tests do), with its own demo data seeded exactly as a developer gets it, and a clock a test can
/// move forward, so access tokens expire without a ten-minute wait.
/// </summary>
public sealed class DemoServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _keyPath;

    private DemoServer(WebApplication app, Uri baseAddress, ShiftedClock clock, string keyPath)
    {
        _app = app;
        _keyPath = keyPath;
        BaseAddress = baseAddress;
        Clock = clock;
    }

    public Uri BaseAddress { get; }

    public string Issuer => BaseAddress.ToString().TrimEnd('/');

    public ShiftedClock Clock { get; }

    public static async Task<DemoServer> StartAsync()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        var clock = new ShiftedClock();
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-keys-" + Guid.NewGuid().ToString("N") + ".json");
        var configuration = new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = baseAddress.ToString().TrimEnd('/'),
            ["OAuth:Storage:ConnectionString"] = storage.ConnectionString,
            ["OAuth:Storage:TablePrefix"] = storage.TablePrefix,
            ["OAuth:Signing:LocalKeyPath"] = keyPath,
            ["OAuth:SeedDemoData"] = "true",
        };

        var app = LocalHost.Build(["--urls", baseAddress.ToString(), "--environment", "Development"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        return new DemoServer(app, baseAddress, clock, keyPath);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(_keyPath);
    }
}
