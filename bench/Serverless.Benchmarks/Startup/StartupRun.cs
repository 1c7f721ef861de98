using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Serverless.Benchmarks.Hosting;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.OAuth.Protocol;

namespace Serverless.Benchmarks.Startup;

/// <summary>One build of the local host and its start-up times (milliseconds) over the measured runs.</summary>
public sealed record StartupResult(string Variant, IReadOnlyList<double> ListeningMs, IReadOnlyList<double> FirstTokenMs)
{
    public double MedianListeningMs => Median(ListeningMs);

    public double MedianFirstTokenMs => Median(FirstTokenMs);

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// From process start to the first token: starts a published local host as its own process (Production, Local ES256
/// key file already made, Azurite storage with its tables already there, as in Azure after the first deployment),
/// waits until its port accepts a connection, then asks for a client_credentials token until one is served. The
/// first token includes what any instance's first token pays: table checks, the client read, PBKDF2 of its secret once.
/// </summary>
public static class StartupRun
{
    public static async Task<StartupResult> RunAsync(AzuriteServer azurite, string variant, string hostPath, int runs, TextWriter log)
    {
        var storage = azurite.NewStorage();
        var secret = await AddTokenClientAsync(storage, "startup-api");
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-bench-startup-" + Guid.NewGuid().ToString("N") + ".json");
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("startup-api:" + secret)));
        var listening = new List<double>();
        var firstToken = new List<double>();
        try
        {
            // Run 0 makes the key file and warms the disk cache; it is not counted.
            for (var run = 0; run <= runs; run++)
            {
                var (listen, token) = await MeasureOnceAsync(hostPath, storage, keyPath, basic);
                log.WriteLine($"  {variant} run {run}: listening {listen:F0} ms, first token {token:F0} ms{(run == 0 ? " (not counted)" : "")}");
                if (run > 0)
                {
                    listening.Add(listen);
                    firstToken.Add(token);
                }
            }
        }
        finally
        {
            File.Delete(keyPath);
        }

        return new StartupResult(variant, listening, firstToken);
    }

    /// <summary>Registers a confidential client_credentials client (scope read) in the storage; returns its secret.</summary>
    public static async Task<string> AddTokenClientAsync(StorageOptions storage, string clientId)
    {
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var clients = new ClientStore(new OAuthTables(storage), new ExpiryIndex(new OAuthTables(storage)), new OAuthServerOptions(), TimeProvider.System);
        await clients.AddAsync(new OAuthClient
        {
            ClientId = clientId,
            Name = "Start-up benchmark client",
            Type = ClientType.Confidential,
            SecretHash = ClientSecretVerifier.HashSecret(secret),
            AllowedScopes = ["read"],
            AllowedGrantTypes = [GrantTypes.ClientCredentials],
        });
        return secret;
    }

    internal static async Task<(double ListeningMs, double FirstTokenMs)> MeasureOnceAsync(
        string hostPath, StorageOptions storage, string keyPath, AuthenticationHeaderValue basic)
    {
        var port = FreePort.Next();
        var url = $"http://127.0.0.1:{port}";
        var start = hostPath.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") { ArgumentList = { hostPath } } : new ProcessStartInfo(hostPath);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetDirectoryName(hostPath)!;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["OAuth__Issuer"] = url;
        start.Environment["OAuth__Storage__ConnectionString"] = storage.ConnectionString;
        start.Environment["OAuth__Storage__TablePrefix"] = storage.TablePrefix;
        start.Environment["OAuth__Signing__LocalKeyPath"] = keyPath;
        start.Environment["OAuth__Signing__Algorithm"] = "ES256";
        start.Environment["Logging__LogLevel__Default"] = "Warning";

        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + hostPath);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            double listeningMs;
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"The local host exited with {process.ExitCode} before listening.");
                }

                try
                {
                    using var socket = new TcpClient();
                    await socket.ConnectAsync("127.0.0.1", port);
                    listeningMs = clock.Elapsed.TotalMilliseconds;
                    break;
                }
                catch (SocketException)
                {
                    await Task.Delay(2);
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException("The local host did not listen within 60 s.");
                }
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, "token")
            {
                Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("scope", "read")]),
            };
            request.Headers.Authorization = basic;
            var response = await http.SendAsync(request);
            var tokenMs = clock.Elapsed.TotalMilliseconds;
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"The first token request answered {(int)response.StatusCode}.");
            }

            return (listeningMs, tokenMs);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
