using System.Diagnostics;
using System.Net;
using System.Reflection;
using Serverless.OAuth.Demo;
using Serverless.Testing;

namespace Serverless.IntegrationTests;

/// <summary>
/// The local host as its own process, as the README's start command runs it (Development, seeding the demo client and
/// user), on a free port: a scripted client completes the flow as the demo user. Nothing here runs in-process.
/// </summary>
public sealed class LocalHostProcessTests : IAsyncLifetime
{
    private Process _process = null!;
    private Uri _baseAddress = null!;
    private string _keyPath = null!;
    private readonly List<string> _log = [];

    public async Task InitializeAsync()
    {
        var azurite = await AzuriteServer.Shared;
        var port = FreePort.Next();
        _baseAddress = new Uri($"http://127.0.0.1:{port}/");
        _keyPath = Path.Combine(Path.GetTempPath(), "oauth-process-keys-" + Guid.NewGuid().ToString("N") + ".json");
        var configuration = typeof(LocalHostProcessTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var output = Path.Combine(RepositoryPaths.Root, "functions", "Serverless.Local", "bin", configuration, "net10.0");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(output, "Serverless.Local.dll")])
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = _baseAddress.ToString();
        start.Environment["OAuth__Issuer"] = _baseAddress.ToString().TrimEnd('/');
        start.Environment["OAuth__Storage__ConnectionString"] = azurite.ConnectionString;
        start.Environment["OAuth__Storage__TablePrefix"] = "p" + Guid.NewGuid().ToString("N")[..12];
        start.Environment["OAuth__Signing__LocalKeyPath"] = _keyPath;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) { _log.Add(e.Data ?? ""); } };
        _process.ErrorDataReceived += (_, e) => { lock (_log) { _log.Add(e.Data ?? ""); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60));
    }

    public Task DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
        File.Delete(_keyPath);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TheSeededDemoClientAndUser_CompleteTheFlow_AgainstTheRunningServer()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = _baseAddress };
        var issuer = _baseAddress.ToString().TrimEnd('/');
        var redirect = issuer + "/demo/callback";
        var (verifier, challenge) = OAuthFlow.NewPkce();

        // The seeder runs at start-up; the page appears once the demo client is registered.
        var authorize = OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", DemoDataSeeder.ClientId), ("redirect_uri", redirect),
            ("scope", "read offline_access"), ("state", "s1"), ("code_challenge", challenge), ("code_challenge_method", "S256"));
        HttpResponseMessage page = null!;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            page = await http.GetAsync(authorize);
            if (page.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.True(page.StatusCode == HttpStatusCode.OK, "no login page; server log:\n" + string.Join('\n', _log));
        var fields = OAuthFlow.HiddenFields(await page.Content.ReadAsStringAsync());
        fields["username"] = DemoDataSeeder.Username;
        fields["password"] = DemoDataSeeder.Password;
        fields["decision"] = "allow";
        var allowed = await http.PostAsync("authorize", new FormUrlEncodedContent(fields));
        var parameters = OAuthFlow.RedirectParameters(allowed);
        Assert.StartsWith(redirect + "?code=", allowed.Headers.Location!.ToString());
        Assert.Equal(issuer, parameters["iss"]);

        var token = await http.PostAsync("token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = parameters["code"], ["redirect_uri"] = redirect,
            ["client_id"] = DemoDataSeeder.ClientId, ["code_verifier"] = verifier,
        }));
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(token);
        Assert.NotNull(refreshToken);

        using var resource = new HttpRequestMessage(HttpMethod.Get, "resource");
        resource.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(resource)).StatusCode);

        // Nothing secret reached the log.
        lock (_log)
        {
            Assert.DoesNotContain(_log, line => line.Contains(DemoDataSeeder.Password, StringComparison.Ordinal)
                || line.Contains(parameters["code"], StringComparison.Ordinal) || line.Contains(accessToken, StringComparison.Ordinal));
        }
    }
}
