using System.Net;
using Serverless.Demo;
using Serverless.Testing;

namespace Serverless.IntegrationTests;

/// <summary>
/// The local host as its own process, as the README's start command runs it (Development, seeding the demo client and
/// user), on a free port: a scripted client completes the flow as the demo user. Nothing here runs in-process.
/// </summary>
public sealed class LocalHostProcessTests : IAsyncLifetime
{
    private LocalHostProcess _host = null!;
    private Uri _baseAddress = null!;
    private string _keyPath = null!;

    public async Task InitializeAsync()
    {
        var azurite = await AzuriteServer.Shared;
        _keyPath = Path.Combine(Path.GetTempPath(), "oauth-process-keys-" + Guid.NewGuid().ToString("N") + ".json");
        var port = FreePort.Next();
        _host = await LocalHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["OAuth__Issuer"] = $"http://127.0.0.1:{port}",
            ["OAuth__Storage__ConnectionString"] = azurite.ConnectionString,
            ["OAuth__Storage__TablePrefix"] = "p" + Guid.NewGuid().ToString("N")[..12],
            ["OAuth__Signing__LocalKeyPath"] = _keyPath,
        }, port: port);
        _baseAddress = _host.BaseAddress;
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        File.Delete(_keyPath);
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

        Assert.True(page.StatusCode == HttpStatusCode.OK, "no login page; server log:\n" + string.Join('\n', _host.Log));
        var allowed = await new OAuthFlow(http).PostLoginFormAsync(await page.Content.ReadAsStringAsync(), DemoDataSeeder.Username, DemoDataSeeder.Password);
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
        Assert.DoesNotContain(_host.Log, line => line.Contains(DemoDataSeeder.Password, StringComparison.Ordinal)
            || line.Contains(parameters["code"], StringComparison.Ordinal) || line.Contains(accessToken, StringComparison.Ordinal));
    }
}
