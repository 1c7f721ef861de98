using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Users;

namespace Serverless.BrowserTests;

/// <summary>
/// One demo server and one headless Chromium for the browser tests of a collection (each test gets its own browser
/// context). The browser is Debian's chromium package (installed by .ci/run), never one Playwright downloads; when it
/// is missing the tests fail and say how to install it.
/// </summary>
public abstract class BrowserHost<TServer> : IAsyncLifetime
    where TServer : IOAuthTestServer
{
    public const string DefaultChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public TServer Server { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = null!;

    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : DefaultChromiumPath;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ChromiumPath}. Install Debian's package (sudo apt-get install chromium; .ci/run does) " +
                "or set CHROMIUM_PATH to a Chromium binary.");
        }

        Server = await StartServerAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The machine may have no internet: without the background-networking flags Chromium keeps trying to
            // reach Google's services and floods the log with refused connections.
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>The server, seeded exactly as a developer gets it (the demo client and user).</summary>
    protected abstract Task<TServer> StartServerAsync();

    /// <summary>A fresh browser (cookies, storage) on the demo server, in English, with the page's errors collected.</summary>
    public async Task<BrowserPage> NewPageAsync(string testName, bool javaScriptEnabled = true)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
            ColorScheme = ColorScheme.Light,
            // No transitions half-way through a screenshot.
            ReducedMotion = ReducedMotion.Reduce,
            JavaScriptEnabled = javaScriptEnabled,
        });
        context.SetDefaultTimeout(15_000);
        return await BrowserPage.OpenAsync(context, testName);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>The local host, with a running clock that tests move forward, since the browser's own clock keeps running.</summary>
public sealed class BrowserFixture : BrowserHost<LocalServer>
{
    protected override Task<LocalServer> StartServerAsync() =>
        LocalServer.StartAsync(new() { ["OAuth:SeedDemoData"] = "true" }, clock: ManualClock.Running());
}

/// <summary>The Functions app's real worker behind the host emulator, on the real clock.</summary>
public sealed class WorkerBrowserFixture : BrowserHost<FunctionsWorkerServer>
{
    protected override async Task<FunctionsWorkerServer> StartServerAsync()
    {
        var server = await FunctionsWorkerServer.StartAsync(new() { ["OAuth:SeedDemoData"] = "true" });

        // The worker seeds in a hosted service that may finish just after its functions are loaded. The client is
        // looked for in the table itself: FindAsync would remember "no such client" for the cache's lifetime.
        var clients = server.Services.GetRequiredService<IClientStore>();
        var users = server.Services.GetRequiredService<IUserStore>();
        for (var attempt = 0; !(await clients.ListAsync()).Any(c => c.ClientId == "demo") || await users.FindAsync("demo") is null; attempt++)
        {
            if (attempt == 100)
            {
                throw new InvalidOperationException("The worker did not seed the demo client and user:" + Environment.NewLine + server.Host.Output);
            }

            await Task.Delay(100);
        }

        return server;
    }
}

[CollectionDefinition(WorkerBrowserCollection.Name)]
public sealed class WorkerBrowserCollection : ICollectionFixture<WorkerBrowserFixture>
{
    public const string Name = "Browser against the worker";
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
