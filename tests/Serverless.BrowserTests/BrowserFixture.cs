using Microsoft.Playwright;

namespace Serverless.BrowserTests;

/// <summary>
/// One demo server and one headless Chromium for all browser tests (each test gets its own browser context). The
/// browser is Debian's chromium package (installed by .ci/run), never one Playwright downloads; when it is missing the
/// tests fail and say how to install it.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string DefaultChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public LocalServer Server { get; private set; } = null!;

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

        // Seeded exactly as a developer gets it; a running clock, since the browser's own clock keeps running.
        Server = await LocalServer.StartAsync(new() { ["OAuth:SeedDemoData"] = "true" }, clock: ManualClock.Running());
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

    /// <summary>A fresh browser (cookies, storage) on the demo server, in English, with the page's errors collected.</summary>
    public async Task<BrowserPage> NewPageAsync(string testName)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
            ColorScheme = ColorScheme.Light,
            // No transitions half-way through a screenshot.
            ReducedMotion = ReducedMotion.Reduce,
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

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
