using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.Benchmarks.Load;
using Serverless.Benchmarks.Startup;
using Serverless.Testing;

namespace Serverless.Benchmarks.SideBySide;

/// <summary>One wrk run against one server: its figures, the server process's CPU per request and the load average at its start.</summary>
public sealed record SideBySideRunResult(string Server, int Round, WrkResult Result, double CpuMicrosecondsPerRequest, string LoadAverage);

/// <summary>A server's runs added up: requests over the summed durations, CPU over the summed requests.</summary>
public sealed record SideBySideTotals(string Server, string Configuration, long Requests, double RequestsPerSecond, double CpuMicrosecondsPerRequest, long Errors);

/// <summary>
/// The side-by-side phase's output. The ratios are ours over the other's requests/s, and the other's CPU per token over
/// ours (both above 1 when ours does better).
/// </summary>
public sealed record SideBySideFigures(
    LoadSettings Settings,
    int Rounds,
    double MinimumRatio,
    IReadOnlyList<SideBySideRunResult> Runs,
    IReadOnlyList<SideBySideTotals> Totals,
    double RateVsOpenIddict,
    double RateVsNode,
    double CpuVsOpenIddict,
    double CpuVsNode,
    string LoadAverageBefore,
    string LoadAverageAfter,
    int WarmUpSeconds)
{
    public bool GuardPassed => RateVsOpenIddict >= MinimumRatio;

    /// <summary>Ours over the other's requests/s in each round (the runs of one round are closest in time), in round order.</summary>
    public IReadOnlyList<double> RoundRatios(string other) =>
        [.. Runs.GroupBy(r => r.Round).OrderBy(g => g.Key).Select(g => g.First(r => r.Server == Totals[0].Server).Result.RequestsPerSecond / g.First(r => r.Server == other).Result.RequestsPerSecond)];
}

/// <summary>
/// client_credentials on three servers on this machine, each its own process on 127.0.0.1: the published local host
/// (its client read once from Azurite and then cached, nothing stored per token), OpenIddict 7.9.0
/// (bench/SideBySide/OpenIddictServer) and node-oidc-provider 9.13.3 (bench/SideBySide/node-oidc-provider.mjs), all
/// with one confidential client (client_secret_basic, the same id and secret), scope read, ES256 JWT access tokens
/// and no token encryption. Each must first issue a token that validates against its own published key set (issuer,
/// audience, ES256, at+jwt, scope, client_id). Then wrk runs against each in turn with the same settings, warm-up first,
/// in rounds whose order reverses each time (A B C, C B A, ...), so that a drift of the shared machine falls on all
/// alike. CPU per token is the server process's user + system time from /proc/PID/stat over the requests it served.
/// </summary>
public static class SideBySideRun
{
    public const string Ours = "this server (local host)";
    public const string OpenIddict = "OpenIddict 7.9.0";
    public const string Node = "node-oidc-provider 9.13.3";
    private const string ClientId = "side-by-side-api";
    private const string Body = "const:grant_type=client_credentials&scope=read";

    /// <param name="otherBuilds">Other builds of the local host ("label=path"), measured in the same rounds (e.g. main
    /// before a change): each is compared with <paramref name="localHost"/>, which is the one the guard and ratios use.</param>
    public static async Task<SideBySideFigures> RunAsync(
        AzuriteServer azurite, string localHost, IReadOnlyList<string> otherBuilds, string openIddict, string nodeScript, int rounds, double minimumRatio, LoadSettings settings, int warmUpSeconds, TextWriter log)
    {
        var storage = azurite.NewStorage();
        var secret = await StartupRun.AddTokenClientAsync(storage, ClientId);
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(ClientId + ":" + secret));
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-bench-side-" + Guid.NewGuid().ToString("N") + ".json");
        var wrk = new WrkRun(Path.Combine(AppContext.BaseDirectory, "wrk", "bench.lua"), settings.Threads, settings.Connections, settings.WrkCpus);
        var servers = new List<ServerProcess>();
        try
        {
            // Ours first: its token names the audience (the API of scope read) that the others are given.
            ServerProcess StartLocalHost(string name, string path)
            {
                var port = FreePort.Next();
                return Start(name, "published ReadyToRun local host, Production, Local ES256 key, client cached after its first read, nothing stored per token", path, port, new()
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Production",
                    ["OAuth__Issuer"] = $"http://127.0.0.1:{port}",
                    ["OAuth__Storage__ConnectionString"] = storage.ConnectionString,
                    ["OAuth__Storage__TablePrefix"] = storage.TablePrefix,
                    ["OAuth__Signing__LocalKeyPath"] = keyPath,
                    ["OAuth__Signing__Algorithm"] = "ES256",
                    ["Logging__LogLevel__Default"] = "Warning",
                });
            }

            var ours = StartLocalHost(Ours, localHost);
            servers.Add(ours);
            var audience = await CheckFirstTokenAsync(ours, basic, null, log);
            foreach (var build in otherBuilds)
            {
                var separator = build.IndexOf('=');
                var other = StartLocalHost($"local host, {build[..separator]}", Path.GetFullPath(build[(separator + 1)..]));
                servers.Add(other);
                await CheckFirstTokenAsync(other, basic, null, log);
            }

            var port = FreePort.Next();

            var others = new Dictionary<string, string?>
            {
                ["BENCH_PORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["BENCH_ISSUER"] = $"http://127.0.0.1:{port}",
                ["BENCH_CLIENT_ID"] = ClientId,
                ["BENCH_CLIENT_SECRET"] = secret,
                ["BENCH_AUDIENCE"] = audience,
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Logging__LogLevel__Default"] = "Warning",
            };
            var oi = Start(OpenIddict, "published ReadyToRun, degraded mode with the client checked in memory (constant-time compare), access token encryption off, nothing stored per token", openIddict, port, others);
            servers.Add(oi);
            await CheckFirstTokenAsync(oi, basic, audience, log);

            port = FreePort.Next();
            others["BENCH_PORT"] = port.ToString(CultureInfo.InvariantCulture);
            others["BENCH_ISSUER"] = $"http://127.0.0.1:{port}";
            others["NODE_ENV"] = "production";
            var node = Start(Node, $"Node.js {NodeVersion()}, static client, resource indicators with accessTokenFormat jwt, memory adapter (JWT tokens are not stored)", nodeScript, port, others);
            servers.Add(node);
            await CheckFirstTokenAsync(node, basic, audience, log);

            var duration = TimeSpan.FromSeconds(settings.DurationSeconds);
            foreach (var server in servers)
            {
                log.WriteLine($"  warming up {server.Name}");
                // Long enough for the hot methods of each .NET server to reach tier-1 code and for V8 to optimise.
                await wrk.RunAsync(server.Token, TimeSpan.FromSeconds(warmUpSeconds), "POST", Body, basic);
            }

            var loadBefore = LoadAverage();
            var runs = new List<SideBySideRunResult>();
            for (var round = 1; round <= rounds; round++)
            {
                var order = round % 2 == 1 ? servers : Enumerable.Reverse(servers);
                foreach (var server in order)
                {
                    var load = LoadAverage();
                    var cpuBefore = server.CpuMicroseconds();
                    var result = await wrk.RunAsync(server.Token, duration, "POST", Body, basic);
                    var cpu = server.CpuMicroseconds() - cpuBefore;
                    var perRequest = result.Requests == 0 ? 0 : cpu / result.Requests;
                    log.WriteLine(Invariant($"  round {round}, {server.Name}: {result.RequestsPerSecond:F0} requests/s, {perRequest:F0} µs CPU per token, {result.StatusErrors} non-2xx, load average {load}"));
                    runs.Add(new SideBySideRunResult(server.Name, round, result, perRequest, load));
                }
            }

            var totals = servers.Select(s =>
            {
                var mine = runs.Where(r => r.Server == s.Name).ToList();
                var requests = mine.Sum(r => r.Result.Requests);
                var seconds = mine.Sum(r => r.Result.DurationMicroseconds) / 1e6;
                var cpu = mine.Sum(r => r.CpuMicrosecondsPerRequest * r.Result.Requests);
                return new SideBySideTotals(s.Name, s.Configuration, requests, requests / seconds, requests == 0 ? 0 : cpu / requests,
                    mine.Sum(r => r.Result.StatusErrors + r.Result.SocketErrors));
            }).ToList();
            var (o, i, n) = (totals[0], totals.Single(t => t.Server == OpenIddict), totals.Single(t => t.Server == Node));
            return new SideBySideFigures(settings, rounds, minimumRatio, runs, totals,
                o.RequestsPerSecond / i.RequestsPerSecond, o.RequestsPerSecond / n.RequestsPerSecond,
                i.CpuMicrosecondsPerRequest / o.CpuMicrosecondsPerRequest, n.CpuMicrosecondsPerRequest / o.CpuMicrosecondsPerRequest,
                loadBefore, LoadAverage(), warmUpSeconds);
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            File.Delete(keyPath);
        }
    }

    /// <summary>
    /// The first token, checked as a resource server would: signed in ES256 by a key of the server's own key set
    /// (found through its discovery document), typ at+jwt, its issuer, the audience, scope read and the client's id.
    /// Returns the token's audience.
    /// </summary>
    private static async Task<string> CheckFirstTokenAsync(ServerProcess server, string basic, string? audience, TextWriter log)
    {
        await server.Listening;
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "token") { Content = new StringContent(Body["const:".Length..], Encoding.ASCII, "application/x-www-form-urlencoded") };
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(basic);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{server.Name} answered {(int)response.StatusCode} to the first token request: {body}");
        }

        using var json = JsonDocument.Parse(body);
        var token = json.RootElement.GetProperty("access_token").GetString()!;
        using var metadata = JsonDocument.Parse(await http.GetStringAsync(".well-known/openid-configuration"));
        var issuer = metadata.RootElement.GetProperty("issuer").GetString()!;
        var keys = new JsonWebKeySet(await http.GetStringAsync(metadata.RootElement.GetProperty("jwks_uri").GetString()!));
        var payload = new JsonWebToken(token);
        var expectedAudience = audience ?? payload.Audiences.Single();
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = expectedAudience,
            IssuerSigningKeys = keys.GetSigningKeys(),
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = ["at+jwt"],
            RequireExpirationTime = true,
        });
        if (!validation.IsValid)
        {
            throw new InvalidOperationException($"{server.Name}'s first token does not validate: {validation.Exception?.Message}");
        }

        if (!payload.TryGetPayloadValue<string>("scope", out var scope) || scope != "read"
            || !payload.TryGetPayloadValue<string>("client_id", out var client) || client != ClientId)
        {
            throw new InvalidOperationException($"{server.Name}'s first token lacks scope read or client_id {ClientId}.");
        }

        log.WriteLine($"  {server.Name}: a valid ES256 at+jwt token for {expectedAudience} ({token.Length} characters)");
        return expectedAudience;
    }

    private static ServerProcess Start(string name, string configuration, string path, int port, Dictionary<string, string?> environment)
    {
        var start = path.EndsWith(".mjs", StringComparison.Ordinal) || path.EndsWith(".js", StringComparison.Ordinal) ? new ProcessStartInfo("node") { ArgumentList = { path } }
            : path.EndsWith(".dll", StringComparison.Ordinal) ? new ProcessStartInfo("dotnet") { ArgumentList = { path } }
            : new ProcessStartInfo(path);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Path.GetDirectoryName(path)!;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + path);
        return new ServerProcess(name, configuration, process, port);
    }

    private static string NodeVersion()
    {
        using var process = Process.Start(new ProcessStartInfo("node", ["--version"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        var version = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return version;
    }

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>A server under test: its process (whose output is kept for an error message), its port and its CPU time.</summary>
    private sealed class ServerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        public ServerProcess(string name, string configuration, Process process, int port)
        {
            Name = name;
            Configuration = configuration;
            _process = process;
            BaseAddress = new Uri($"http://127.0.0.1:{port}/");
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            Listening = WaitListeningAsync(port);
        }

        public string Name { get; }

        public string Configuration { get; }

        public Uri BaseAddress { get; }

        public Uri Token => new(BaseAddress, "token");

        public Task Listening { get; }

        /// <summary>utime + stime of the process (all its threads) from /proc/PID/stat, in microseconds.</summary>
        public double CpuMicroseconds()
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            // The fields after the command name (which may hold spaces) start at state, field 3; utime and stime are 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks * 1e6 / ClockTicksPerSecond;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                if (_output.Length < 20_000)
                {
                    _output.AppendLine(line);
                }
            }
        }

        private async Task WaitListeningAsync(int port)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before listening:{Environment.NewLine}{_output}");
                }

                try
                {
                    using var socket = new TcpClient();
                    await socket.ConnectAsync("127.0.0.1", port);
                    return;
                }
                catch (SocketException)
                {
                    await Task.Delay(20);
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"{Name} did not listen within 60 s:{Environment.NewLine}{_output}");
                }
            }
        }
    }

    // sysconf(_SC_CLK_TCK): 100 on Linux for every architecture .NET runs on.
    private const double ClockTicksPerSecond = 100;
}
