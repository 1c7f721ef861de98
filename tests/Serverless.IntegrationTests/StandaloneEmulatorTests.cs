using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Serverless.IntegrationTests;

/// <summary>
/// The host emulator run standalone, as the README tells a person to run it: it serves the built Functions app, an
/// outside OAuth client runs the whole code flow against it, and Ctrl+C (SIGINT) stops it cleanly.
/// </summary>
public sealed class StandaloneEmulatorTests
{
    [Fact]
    public async Task TheStandaloneEmulator_ServesTheWholeFlow_AndStopsOnCtrlC()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var port = FreePort.Next();
        var issuer = $"http://127.0.0.1:{port}";
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-keys-" + Guid.NewGuid().ToString("N") + ".json");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Serverless.FunctionsHost.dll"), "--app", FunctionsWorkerServer.AppDirectory, "--port", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        // App settings from the environment, which win over the app folder's local.settings.json as with 'func start'.
        start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        start.Environment["OAuth__Issuer"] = issuer;
        start.Environment["OAuth__Storage__ConnectionString"] = storage.ConnectionString;
        start.Environment["OAuth__Storage__TablePrefix"] = storage.TablePrefix;
        start.Environment["OAuth__Signing__LocalKeyPath"] = keyPath;
        start.Environment["OAuth__SeedDemoData"] = "true";

        var output = new List<string>();
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seeded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var emulator = Process.Start(start)!;
        emulator.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
            }

            if (e.Data.StartsWith("Serving ", StringComparison.Ordinal))
            {
                serving.TrySetResult();
            }

            // The worker seeds the demo client and user in a hosted service that may finish after the routes are served.
            if (e.Data.Contains("Development demo data:", StringComparison.Ordinal))
            {
                seeded.TrySetResult();
            }
        };
        emulator.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.Add(e.Data); } } };
        emulator.BeginOutputReadLine();
        emulator.BeginErrorReadLine();
        try
        {
            await Task.WhenAny(Task.WhenAll(serving.Task, seeded.Task), emulator.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(90)));
            lock (output)
            {
                Assert.True(serving.Task.IsCompleted && seeded.Task.IsCompleted, "the emulator did not serve the seeded app:" + Environment.NewLine + string.Join(Environment.NewLine, output));
                Assert.Contains(output, l => l.StartsWith("Serving ", StringComparison.Ordinal) && l.EndsWith($" at {issuer}/ (Ctrl+C stops it)", StringComparison.Ordinal));
            }

            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = new Uri(issuer + "/") };
            var flow = new OAuthFlow(http);
            var redirect = issuer + "/demo/callback";
            var (verifier, challenge) = OAuthFlow.NewPkce();
            var authorize = OAuthFlow.AuthorizeQuery(
                ("response_type", "code"), ("client_id", "demo"), ("redirect_uri", redirect), ("scope", "read offline_access"),
                ("state", "st"), ("code_challenge", challenge), ("code_challenge_method", "S256"));

            var code = OAuthFlow.RedirectParameters(await flow.SignInAsync(authorize, "demo", "demo-password"))["code"];
            var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect), ("client_id", "demo"), ("code_verifier", verifier)]));
            Assert.NotNull(refreshToken);
            Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(accessToken)).StatusCode);

            using (var interrupt = Process.Start("kill", ["-INT", emulator.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync();
            }

            await emulator.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, emulator.ExitCode);
            Assert.Contains("Stopping.", output);
        }
        finally
        {
            if (!emulator.HasExited)
            {
                emulator.Kill(entireProcessTree: true);
            }

            File.Delete(keyPath);
        }
    }
}
