using Microsoft.Playwright;
using Serverless.Testing;

namespace Serverless.BrowserTests;

/// <summary>
/// One test's browser tab: it records what the page should never do (script errors, Content-Security-Policy
/// violations, which Chromium reports on the console) and which requests it sent, and saves numbered screenshots.
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    /// <summary>TestResults/ is git-ignored; CI keeps the folder as an artifact.</summary>
    public static readonly string ScreenshotFolder = Path.Combine(RepositoryPaths.Root, "tests", "Serverless.BrowserTests", "TestResults", "screenshots");

    private readonly IBrowserContext _context;
    private readonly string _testName;
    private readonly List<string> _problems = [];
    private readonly List<string> _requests = [];
    private int _shots;

    private BrowserPage(IBrowserContext context, IPage page, string testName)
    {
        _context = context;
        _testName = testName;
        Page = page;
        page.PageError += (_, error) => Record("page error: " + error);
        page.Console += (_, message) =>
        {
            // An HTTP error the demo provokes on purpose (401 from /resource, 400 from /token) is logged by Chromium
            // as "Failed to load resource"; anything else on the error console is a fault of the page.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource: the server responded with a status of", StringComparison.Ordinal))
            {
                Record("console error: " + message.Text);
            }
        };
        page.Request += (_, request) =>
        {
            lock (_requests)
            {
                _requests.Add(request.Method + " " + new Uri(request.Url).AbsolutePath);
            }
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<BrowserPage> OpenAsync(IBrowserContext context, string testName) =>
        new(context, await context.NewPageAsync(), testName);

    public async Task ScreenshotAsync(string step)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var name = $"{_testName}-{++_shots:00}-{step}.png";
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name), FullPage = true });
    }

    public void AssertNoPageProblems()
    {
        lock (_problems)
        {
            Assert.True(_problems.Count == 0, "The page reported problems:" + Environment.NewLine + string.Join(Environment.NewLine, _problems));
        }
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();

    private void Record(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }
    }
}
