using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Serverless.Benchmarks.Hosting;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Identity.Users;
using Serverless.Testing;
using Serverless.OAuth.Protocol;

namespace Serverless.Benchmarks.Soak;

/// <summary>The server process's working set and thread count at one moment.</summary>
public sealed record ProcessSample(double Seconds, double WorkingSetMb, int Threads);

public sealed record SoakFigures(
    int DurationSeconds, int Workers, Dictionary<string, int> Requests, Dictionary<string, int> Statuses, int ServerErrors, int Families,
    int LiveFamiliesRefreshed, int RevokedFamiliesRefused, int ReusedTokensRefused, int FamiliesRevokedByReuse, int RuleViolations,
    int PurgeIntervalSeconds, IReadOnlyList<ProcessSample> Samples, int OverdueIndexEntriesLeft = 0);

/// <summary>
/// A long mixed load against the local host as its own process over Azurite, with the purge running every 30 s:
/// code flows, refreshes, client_credentials, resource calls and revocations from several workers at once. Afterwards
/// every family's refresh token is checked against the rules (live ones refresh, revoked ones do not, a rotated one
/// presented again revokes its family), and the server's working set and threads are sampled throughout.
/// </summary>
public static class SoakRun
{
    private const int Workers = 8;

    public static async Task<SoakFigures> RunAsync(AzuriteServer azurite, TimeSpan duration, TextWriter log)
    {
        var storage = azurite.NewStorage();
        var port = FreePort.Next();
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-soak-keys-" + Guid.NewGuid().ToString("N") + ".json");
        const int purgeSeconds = 30;
        await using var server = await LocalHostProcess.StartAsync(new Dictionary<string, string>
        {
            ["OAuth__Issuer"] = $"http://127.0.0.1:{port}",
            ["OAuth__Storage__ConnectionString"] = storage.ConnectionString!,
            ["OAuth__Storage__TablePrefix"] = storage.TablePrefix,
            ["OAuth__Storage__PurgeInterval"] = TimeSpan.FromSeconds(purgeSeconds).ToString(),
            ["OAuth__Signing__LocalKeyPath"] = keyPath,
            // Short-lived access tokens, so revocation rows expire and are purged during the run.
            ["OAuth__AccessTokenLifetime"] = "00:01:00",
            ["Logging__LogLevel__Default"] = "Warning",
        }, port);

        var tables = new OAuthTables(storage);
        var clients = new ClientStore(tables, new ExpiryIndex(tables), new OAuthServerOptions(), TimeProvider.System);
        var spa = new OAuthClient
        {
            ClientId = "soak-spa", Name = "Soak SPA", Type = ClientType.Public, RedirectUris = [BenchmarkHost.RedirectUri],
            AllowedScopes = ["read", "write", "offline_access"], AllowedGrantTypes = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken],
        };
        const string apiSecret = "soak-api-secret-not-a-secret";
        var api = new OAuthClient
        {
            ClientId = "soak-api", Name = "Soak API", Type = ClientType.Confidential, SecretHash = ClientSecretVerifier.HashSecret(apiSecret),
            RedirectUris = [BenchmarkHost.RedirectUri], AllowedScopes = ["read"], AllowedGrantTypes = [GrantTypes.ClientCredentials],
        };
        await clients.AddAsync(spa);
        await clients.AddAsync(api);
        var users = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var user = new OAuthUser("soak" + i, Guid.NewGuid().ToString(), UserStore.HashPassword(BenchmarkHost.UserPassword), "Soak User");
            await new UserStore(tables).AddAsync(user);
            users.Add(user.Username);
        }

        var state = new SoakState();
        var process = Process.GetProcessById(server.ProcessId);
        var stopwatch = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);
        var sampler = SampleAsync(process, stopwatch, state, stop.Token);
        var workers = Enumerable.Range(0, Workers).Select(w => WorkAsync(w, server.BaseAddress, users, apiSecret, state, log, stop.Token)).ToList();
        await Task.WhenAll(workers);
        await sampler;
        state.Samples.Add(Sample(process, stopwatch));
        log.WriteLine($"  load done: {state.Requests.Values.Sum():N0} requests, {state.ServerErrors} x 5xx; checking every refresh token against the rules");

        var figures = await CheckRefreshTokensAsync(server.BaseAddress, state, log);
        File.Delete(keyPath);

        // The purge kept up: no index entry is left in a bucket that was due two purge intervals ago.
        var index = await tables.GetAsync(OAuthTables.Expiry);
        var overdue = ExpiryIndex.FirstBucketNotDue(DateTimeOffset.UtcNow - TimeSpan.FromSeconds(2 * purgeSeconds));
        var left = 0;
        await foreach (var _ in index.QueryAsync<Azure.Data.Tables.TableEntity>(
            Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey ge {ExpiryIndex.BucketPrefix} and PartitionKey lt {overdue}"), select: ["RowKey"]))
        {
            left++;
        }

        return figures with { DurationSeconds = (int)duration.TotalSeconds, Workers = Workers, PurgeIntervalSeconds = purgeSeconds, OverdueIndexEntriesLeft = left };
    }

    private static async Task WorkAsync(int worker, Uri baseAddress, List<string> users, string apiSecret, SoakState state, TextWriter log, CancellationToken stop)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = baseAddress,
        };
        var random = new Random(worker);
        string? accessToken = null;
        while (!stop.IsCancellationRequested)
        {
            var roll = random.Next(100);
            try
            {
                if (roll < 10 || state.Live.IsEmpty)
                {
                    accessToken = await CodeFlowAsync(http, users[random.Next(users.Count)], state) ?? accessToken;
                }
                else if (roll < 40 && state.Live.TryDequeue(out var family))
                {
                    // One worker at a time per family, as one app would: take it, refresh it, put it back.
                    var (status, tokens) = await PostTokenAsync(http, state, "refresh", [("grant_type", "refresh_token"), ("refresh_token", family.Latest), ("client_id", "soak-spa")], null);
                    if (status == HttpStatusCode.OK)
                    {
                        family.Previous = family.Latest;
                        family.Latest = tokens!.Value.Refresh!;
                        accessToken = tokens.Value.Access;
                    }
                    else
                    {
                        family.Unexpected = $"refresh answered {(int)status}";
                    }

                    state.Live.Enqueue(family);
                }
                else if (roll is >= 40 and < 43 && state.Live.TryDequeue(out var revoked))
                {
                    var response = await SendAsync(http, state, "revoke", new HttpRequestMessage(HttpMethod.Post, "revoke")
                    {
                        Content = new FormUrlEncodedContent([KeyValuePair.Create("token", revoked.Latest), KeyValuePair.Create("client_id", "soak-spa")]),
                    });
                    (response == HttpStatusCode.OK ? state.Revoked : state.Live).Enqueue(revoked);
                }
                else if (roll is >= 43 and < 70)
                {
                    await PostTokenAsync(http, state, "client_credentials", [("grant_type", "client_credentials"), ("scope", "read")], ("soak-api", apiSecret));
                }
                else if (accessToken is not null)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "resource");
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
                    var status = await SendAsync(http, state, "resource", request);
                    if (status == HttpStatusCode.Unauthorized)
                    {
                        accessToken = null; // expired or revoked: the next code flow or refresh gives a new one
                    }
                }
            }
            catch (HttpRequestException e)
            {
                Interlocked.Increment(ref state.ServerErrors);
                log.WriteLine($"  worker {worker}: {e.GetType().Name}");
            }
        }
    }

    private static async Task<string?> CodeFlowAsync(HttpClient http, string username, SoakState state)
    {
        var query = QueryHelpers.AddQueryString("authorize", new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = "soak-spa", ["redirect_uri"] = BenchmarkHost.RedirectUri, ["scope"] = "read offline_access",
            ["state"] = "soak", ["code_challenge"] = FlowClient.Challenge, ["code_challenge_method"] = "S256",
            // Each code flow is a sign-in with the password, whoever signed in on this worker's cookie jar before.
            ["prompt"] = "login",
        });
        using var page = new HttpRequestMessage(HttpMethod.Get, query);
        var pageResponse = await http.SendAsync(page);
        state.Count("authorize GET", pageResponse.StatusCode);
        if (pageResponse.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        var fields = FlowClient.HiddenFields(await pageResponse.Content.ReadAsStringAsync());
        fields["username"] = username;
        fields["password"] = BenchmarkHost.UserPassword;
        var consent = await http.PostAsync("authorize", new FormUrlEncodedContent(fields));
        state.Count("authorize POST", consent.StatusCode);
        if (consent.StatusCode == HttpStatusCode.OK)
        {
            // The first sign-in of this user to the client: the consent step.
            var allow = FlowClient.HiddenFields(await consent.Content.ReadAsStringAsync());
            allow["decision"] = "allow";
            consent = await http.PostAsync("authorize", new FormUrlEncodedContent(allow));
            state.Count("authorize POST consent", consent.StatusCode);
        }

        if (consent.StatusCode != HttpStatusCode.SeeOther)
        {
            return null;
        }

        var location = consent.Headers.Location!.ToString();
        var code = QueryHelpers.ParseQuery(location[(location.IndexOf('?') + 1)..])["code"].ToString();
        var (status, tokens) = await PostTokenAsync(http, state, "code exchange",
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", BenchmarkHost.RedirectUri), ("client_id", "soak-spa"), ("code_verifier", FlowClient.Verifier)], null);
        if (status != HttpStatusCode.OK)
        {
            return null;
        }

        state.Live.Enqueue(new Family { Latest = tokens!.Value.Refresh! });
        Interlocked.Increment(ref state.Families);
        return tokens.Value.Access;
    }

    /// <summary>After the load (and past the grace window): each rule, for every family.</summary>
    private static async Task<SoakFigures> CheckRefreshTokensAsync(Uri baseAddress, SoakState state, TextWriter log)
    {
        await Task.Delay(TimeSpan.FromSeconds(6)); // past the 5 s reuse grace window of the last rotations
        using var http = new HttpClient { BaseAddress = baseAddress };
        int live = 0, revoked = 0, reused = 0, revokedByReuse = 0, violations = 0;
        var liveFamilies = state.Live.ToList();
        foreach (var family in liveFamilies)
        {
            var (status, tokens) = await PostTokenAsync(http, state, "check: live family refreshes", [("grant_type", "refresh_token"), ("refresh_token", family.Latest), ("client_id", "soak-spa")], null);
            if (status == HttpStatusCode.OK && family.Unexpected is null)
            {
                live++;
                family.Previous = family.Latest;
                family.Latest = tokens!.Value.Refresh!;
            }
            else
            {
                violations++;
                log.WriteLine($"  rule violated: a live family's latest token answered {(int)status} {family.Unexpected}");
            }
        }

        foreach (var family in state.Revoked)
        {
            var (status, _) = await PostTokenAsync(http, state, "check: revoked family refused", [("grant_type", "refresh_token"), ("refresh_token", family.Latest), ("client_id", "soak-spa")], null);
            if (status == HttpStatusCode.BadRequest) { revoked++; } else { violations++; log.WriteLine($"  rule violated: a revoked family's token answered {(int)status}"); }
        }

        // A rotated token presented again (past the grace window) is refused and revokes its family: its latest token too.
        await Task.Delay(TimeSpan.FromSeconds(6));
        foreach (var family in liveFamilies.Take(50))
        {
            var (reuse, _) = await PostTokenAsync(http, state, "check: rotated token refused", [("grant_type", "refresh_token"), ("refresh_token", family.Previous!), ("client_id", "soak-spa")], null);
            var (after, _) = await PostTokenAsync(http, state, "check: family revoked by the reuse", [("grant_type", "refresh_token"), ("refresh_token", family.Latest), ("client_id", "soak-spa")], null);
            if (reuse == HttpStatusCode.BadRequest) { reused++; } else { violations++; log.WriteLine($"  rule violated: a rotated token answered {(int)reuse}"); }
            if (after == HttpStatusCode.BadRequest) { revokedByReuse++; } else { violations++; log.WriteLine($"  rule violated: after reuse the family's token answered {(int)after}"); }
        }

        return new SoakFigures(0, 0, new(state.Requests), new(state.Statuses), state.ServerErrors, state.Families, live, revoked, reused, revokedByReuse, violations, 0, state.Samples);
    }

    private static async Task<(HttpStatusCode Status, (string Access, string? Refresh)? Tokens)> PostTokenAsync(
        HttpClient http, SoakState state, string name, (string Name, string Value)[] form, (string Id, string Secret)? basic)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "token")
        {
            Content = new FormUrlEncodedContent(form.Select(p => KeyValuePair.Create(p.Name, p.Value))),
        };
        if (basic is { } credentials)
        {
            request.Headers.TryAddWithoutValidation("Authorization", FlowClient.BasicAuthorization(credentials.Id, credentials.Secret));
        }

        var response = await http.SendAsync(request);
        state.Count(name, response.StatusCode);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        return (response.StatusCode, (root.GetProperty("access_token").GetString()!, root.TryGetProperty("refresh_token", out var r) ? r.GetString() : null));
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient http, SoakState state, string name, HttpRequestMessage request)
    {
        using (request)
        {
            var response = await http.SendAsync(request);
            state.Count(name, response.StatusCode);
            return response.StatusCode;
        }
    }

    private static async Task SampleAsync(Process process, Stopwatch stopwatch, SoakState state, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            state.Samples.Add(Sample(process, stopwatch));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static ProcessSample Sample(Process process, Stopwatch stopwatch)
    {
        process.Refresh();
        return new ProcessSample(Math.Round(stopwatch.Elapsed.TotalSeconds, 1), Math.Round(process.WorkingSet64 / 1048576.0, 1), process.Threads.Count);
    }

    private sealed class Family
    {
        public required string Latest { get; set; }

        public string? Previous { get; set; }

        /// <summary>Set when the family answered something the rules do not allow during the load.</summary>
        public string? Unexpected { get; set; }
    }

    private sealed class SoakState
    {
        public readonly ConcurrentQueue<Family> Live = new();
        public readonly ConcurrentQueue<Family> Revoked = new();
        public readonly ConcurrentDictionary<string, int> Requests = new();
        public readonly ConcurrentDictionary<string, int> Statuses = new();
        public readonly List<ProcessSample> Samples = [];
        public int ServerErrors;
        public int Families;

        public void Count(string name, HttpStatusCode status)
        {
            Requests.AddOrUpdate(name, 1, (_, n) => n + 1);
            Statuses.AddOrUpdate(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            if ((int)status >= 500)
            {
                Interlocked.Increment(ref ServerErrors);
            }
        }
    }
}
