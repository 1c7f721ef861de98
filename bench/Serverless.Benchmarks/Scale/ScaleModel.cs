using System.Diagnostics;
using Serverless.Benchmarks.Load;
using Serverless.Benchmarks.Reporting;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Identity.Users;

namespace Serverless.Benchmarks.Scale;

/// <summary>The published limits the model is held against, with where they are stated.</summary>
public static class PublishedLimits
{
    /// <summary>Table Storage scalability targets: "Maximum request rate per storage account: 20,000 transactions per second" (1 KiB entities).</summary>
    public const int AccountTransactionsPerSecond = 20_000;

    /// <summary>Same page: "Target throughput for a single table partition (1 KiB-entities): Up to 2,000 entities per second".</summary>
    public const int PartitionEntitiesPerSecond = 2_000;

    /// <summary>Key Vault service limits: 4,000 transactions per 10 s per vault per region for RSA 2,048-bit and ECC P-256 software keys.</summary>
    public const int VaultSoftwareKeyOperationsPerSecond = 400;

    /// <summary>Flex Consumption: a 512 MB instance (the Bicep default) has 0.25 cores (2,048 MB: 1; 4,096 MB: 2).</summary>
    public const double CoresPer512MbInstance = 0.25;

    public static readonly (string Limit, string Source)[] Sources =
    [
        ("Table Storage: 20,000 transactions/s per account, 2,000 entities/s per partition (1 KiB entities); 503 ServerBusy or 500 OperationTimedOut beyond",
            "https://learn.microsoft.com/azure/storage/tables/scalability-targets"),
        ("Key Vault: 4,000 transactions per 10 s per vault per region for RSA 2048 / EC P-256 software keys, 2,000 for HSM keys; the subscription 5x one vault",
            "https://learn.microsoft.com/azure/key-vault/general/service-limits ; https://learn.microsoft.com/azure/key-vault/general/overview-throttling"),
        ("Flex Consumption: up to 1,000 instances; 512 MB = 0.25 cores, 2,048 MB = 1, 4,096 MB = 2",
            "https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan"),
    ];
}

/// <summary>One row of the scale model: one kind of request at one rate.</summary>
public sealed record ScaleRow(
    RequestKind Kind, int RequestsPerSecond, int TransactionsPerSecond, double StorageAccounts, string HottestPartition, int HottestEntitiesPerSecond,
    int KeyVaultSignsPerSecond, double VaultsInKeyVaultMode, double CoresNeeded, int Instances, double MonthlyCostLocalOrWrapped, double MonthlyCostKeyVaultEs256);

/// <summary>The measured inputs: CPU per request (the HTTP phase, or the README's figures) and PBKDF2 measured here.</summary>
public sealed record ScaleInputs(Dictionary<string, double> CpuMicroseconds, string CpuSource, double PasswordHashMilliseconds);

public sealed record ScaleFigures(ScaleInputs Inputs, int Shards, IReadOnlyList<ScaleRow> Rows, PartitionLoad Unsharded20K, PartitionLoad Sharded20K);

/// <summary>
/// Drives <see cref="PartitionLoadSimulation"/> at 100 to 100,000 requests/s of each kind and turns its counts and the
/// measured CPU per request into storage accounts, vaults, instances and a monthly cost.
/// </summary>
public static class ScaleModel
{
    public static readonly int[] Rates = [100, 1_000, 10_000, 100_000];

    private const double SecondsPerMonth = 30 * 24 * 3600;

    /// <summary>Instances are sized to run at this share of their CPU, leaving room for bursts and the host.</summary>
    private const double TargetUtilisation = 0.7;

    // The README's figures (bench run of the quiet machine) when no HTTP phase ran before this one.
    private static readonly Dictionary<string, double> ReadmeCpu = new()
    {
        ["client_credentials"] = 93, ["code exchange"] = 1_544, ["refresh"] = 1_088, ["/resource"] = 451,
    };

    public static ScaleFigures Run(string outputDirectory, TextWriter log)
    {
        var inputs = MeasureInputs(outputDirectory);
        log.WriteLine($"  CPU per request from {inputs.CpuSource}; PBKDF2 of one password {inputs.PasswordHashMilliseconds:F1} ms");
        var start = new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var rows = new List<ScaleRow>();
        foreach (var kind in Enum.GetValues<RequestKind>())
        {
            foreach (var rate in Rates)
            {
                var load = PartitionLoadSimulation.Run(kind, rate, ExpiryIndex.DefaultShards, start);
                rows.Add(Row(load, inputs));
                log.WriteLine($"  {kind,-20} {rate,8:N0}/s: {load.TransactionsPerSecond,10:N0} transactions/s, hottest {load.HottestPartition} {load.HottestEntitiesPerSecond:N0} entities/s");
            }
        }

        var unsharded = PartitionLoadSimulation.Run(RequestKind.CodeFlow, 20_000, 1, start);
        var sharded = PartitionLoadSimulation.Run(RequestKind.CodeFlow, 20_000, ExpiryIndex.DefaultShards, start);
        log.WriteLine($"  20,000 new grants/s: hottest index partition {unsharded.HottestIndexEntitiesPerSecond:N0} entities/s unsharded, {sharded.HottestIndexEntitiesPerSecond:N0} with {ExpiryIndex.DefaultShards} shards");
        return new ScaleFigures(inputs, ExpiryIndex.DefaultShards, rows, unsharded, sharded);
    }

    private static ScaleRow Row(PartitionLoad load, ScaleInputs inputs)
    {
        var rate = load.RequestsPerSecond;
        var (cpuMicroseconds, executions, signs) = load.Kind switch
        {
            // GET /authorize, POST /authorize (PBKDF2 of the password, plus about an exchange's worth of HTTP and storage work), POST /token.
            RequestKind.CodeFlow => (inputs.PasswordHashMilliseconds * 1000 + 2 * inputs.CpuMicroseconds["code exchange"] + inputs.CpuMicroseconds["/resource"], 3, 1),
            RequestKind.Refresh => (inputs.CpuMicroseconds["refresh"], 1, 1),
            RequestKind.ClientCredentials => (inputs.CpuMicroseconds["client_credentials"], 1, 1),
            _ => (inputs.CpuMicroseconds["/resource"], 1, 0),
        };
        var cores = rate * cpuMicroseconds / 1e6;
        var instances = (int)Math.Ceiling(cores / (PublishedLimits.CoresPer512MbInstance * TargetUtilisation));
        var perMonth = rate * SecondsPerMonth;
        var compute = perMonth * executions * Prices.ExecutionsPerMillion / 1e6 + instances * Prices.InstanceMemoryGb * SecondsPerMonth * Prices.PerGbSecond;
        var storage = load.TransactionsPerSecond * SecondsPerMonth * Prices.TableTransactionsPer10K / 10_000;
        var keyVault = perMonth * signs * Prices.KeyVaultPerOperation("ES256");
        return new ScaleRow(
            load.Kind, rate, load.TransactionsPerSecond, (double)load.TransactionsPerSecond / PublishedLimits.AccountTransactionsPerSecond,
            load.HottestPartition, load.HottestEntitiesPerSecond, rate * signs, (double)rate * signs / PublishedLimits.VaultSoftwareKeyOperationsPerSecond,
            cores, instances, compute + storage, compute + storage + keyVault);
    }

    private static ScaleInputs MeasureInputs(string outputDirectory)
    {
        var cpu = new Dictionary<string, double>(ReadmeCpu);
        var source = "the README's benchmark figures";
        if (ResultFiles.Read<HttpFigures>(outputDirectory, ResultFiles.Http) is { } http)
        {
            foreach (var key in ReadmeCpu.Keys)
            {
                if (http.Results.FirstOrDefault(r => r.Scenario.StartsWith(key, StringComparison.Ordinal)) is { } result)
                {
                    cpu[key] = result.ServerCpuMicrosecondsPerRequest;
                }
            }

            source = "this run's HTTP phase";
        }

        // PBKDF2 as the sign-in runs it (the same work as hashing), on one thread of this process.
        UserStore.HashPassword("warm-up");
        const int hashes = 20;
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < hashes; i++)
        {
            UserStore.HashPassword("a password of usual length " + i);
        }

        var perHash = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds / hashes;
        return new ScaleInputs(cpu, source, perHash);
    }
}
