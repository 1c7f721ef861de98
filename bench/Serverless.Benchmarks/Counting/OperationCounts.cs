using Serverless.Benchmarks.Hosting;
using Serverless.Testing;
using Serverless.Testing.KeyVault;

namespace Serverless.Benchmarks.Counting;

/// <summary>Storage round trips and Key Vault operations of one protocol step, averaged over the repetitions.</summary>
/// <remarks>
/// <see cref="StorageRoundTrips"/> is every request (what the service bills); <see cref="RoundTripsWaited"/> the longest
/// chain of them the request waited for, requests sent at once counting once (StorageRequestCounter.RoundTrips).
/// </remarks>
public sealed record StepCount(string Step, double StorageRoundTrips, IReadOnlyDictionary<string, double> ByVerbAndTable, double KeyVaultOperations, double RoundTripsWaited = 0);

/// <summary>What one signing mode costs at start-up (until its first token) and then per step.</summary>
public sealed record ModeCounts(string Mode, string Algorithm, int StartupStorageRoundTrips, IReadOnlyDictionary<string, int> StartupKeyVaultOperations, IReadOnlyList<StepCount> Steps);

/// <summary>
/// Counts, never estimates: every Table Storage request the server sends (a pipeline policy on its table clients) and
/// every Key Vault operation (the stand-in's counters), for each step of the protocol, in every signing mode.
/// </summary>
public static class OperationCounts
{
    public static async Task<IReadOnlyList<ModeCounts>> MeasureAsync(AzuriteServer azurite, int repetitions, TextWriter log)
    {
        await using var vault = await KeyVaultStandIn.StartAsync();
        var results = new List<ModeCounts>();
        foreach (var signing in SigningSetup.All)
        {
            log.WriteLine($"  counting {signing}");
            results.Add(await MeasureModeAsync(azurite, vault, signing, repetitions));
        }

        return results;
    }

    private static async Task<ModeCounts> MeasureModeAsync(AzuriteServer azurite, KeyVaultStandIn vault, SigningSetup signing, int repetitions)
    {
        vault.ResetCounts();
        // Answers held 50 ms, so requests sent together are never counted as a chain; this phase times nothing.
        await using var host = await BenchmarkHost.StartAsync(azurite, signing, vault, answerHold: TimeSpan.FromMilliseconds(50));
        using var http = host.NewHttpClient();
        var flow = new FlowClient(http);
        var (api, secret) = await host.AddConfidentialClientAsync();
        var spa = await host.AddPublicClientAsync();
        var user = await host.AddUserAsync();

        // Start-up: everything from the first request to the first token (tables created, key fetched or unwrapped,
        // the client read and its secret verified once).
        vault.ResetCounts();
        host.Storage.Reset();
        await flow.ClientCredentialsAsync(api.ClientId, secret);
        var startupStorage = host.Storage.Total;
        var startupVault = Enum.GetValues<KeyVaultOperation>()
            .Where(op => vault.Count(op) > 0)
            .ToDictionary(op => op.ToString(), op => vault.Count(op));

        var steps = new Dictionary<string, StepTotals>(StringComparer.Ordinal);
        for (var i = 0; i < repetitions; i++)
        {
            // A new browser each time, so the sign-in is one with the password; the same browser then authorizes again
            // on its sign-in session with the consent remembered, and signs out at /endsession (asked, then confirmed).
            using var browserHttp = host.NewHttpClient();
            var browser = new FlowClient(browserHttp);
            var fields = await CountAsync(steps, "GET /authorize", host, vault, () => browser.OpenLoginPageAsync(spa.ClientId));
            var code = await CountAsync(steps, "POST /authorize", host, vault, () => browser.PostConsentAsync(fields, user.Username));
            var first = await CountAsync(steps, "code exchange", host, vault, () => flow.ExchangeCodeAsync(spa.ClientId, code));
            var second = await CountAsync(steps, "refresh", host, vault, () => flow.RefreshAsync(spa.ClientId, first.RefreshToken!));
            await CountAsync(steps, "/resource", host, vault, async () => { await flow.GetResourceAsync(second.AccessToken); return 0; });
            await CountAsync(steps, "client_credentials", host, vault, () => flow.ClientCredentialsAsync(api.ClientId, secret));
            await CountAsync(steps, "GET /authorize (session, consent remembered)", host, vault, () => browser.AuthorizeOnSessionAsync(spa.ClientId));
            var signOut = await CountAsync(steps, "GET /endsession (asks)", host, vault, browser.OpenSignOutPageAsync);
            await CountAsync(steps, "POST /endsession (signed out)", host, vault, async () => { await browser.ConfirmSignOutAsync(signOut); return 0; });
        }

        return new ModeCounts(
            signing.Mode,
            signing.Algorithm,
            startupStorage,
            startupVault,
            steps.Select(s => s.Value.Average(s.Key, repetitions)).ToList());
    }

    private static async Task<T> CountAsync<T>(
        Dictionary<string, StepTotals> steps, string step, BenchmarkHost host, KeyVaultStandIn vault, Func<Task<T>> action)
    {
        host.Storage.Reset();
        var vaultBefore = vault.TotalOperations;
        var result = await action();
        var totals = steps.TryGetValue(step, out var existing) ? existing : steps[step] = new StepTotals();
        totals.Add(host.Storage.Snapshot(), vault.TotalOperations - vaultBefore, host.Storage.RoundTrips);
        return result;
    }

    private sealed class StepTotals
    {
        private readonly Dictionary<string, int> _storage = new(StringComparer.Ordinal);
        private int _vault;
        private int _waited;

        public void Add(IReadOnlyDictionary<string, int> storage, int vaultOperations, int roundTripsWaited)
        {
            _waited += roundTripsWaited;
            foreach (var (key, count) in storage)
            {
                _storage[key] = _storage.GetValueOrDefault(key) + count;
            }

            _vault += vaultOperations;
        }

        public StepCount Average(string step, int repetitions) => new(
            step,
            (double)_storage.Values.Sum() / repetitions,
            _storage.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => (double)p.Value / repetitions),
            (double)_vault / repetitions,
            (double)_waited / repetitions);
    }
}
