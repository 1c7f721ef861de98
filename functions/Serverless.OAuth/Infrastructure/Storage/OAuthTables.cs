using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// The tables the server uses, created once per process on first use. Locally a connection string (Azurite); in Azure
/// the table endpoint with the managed identity, since the account has shared keys disabled.
/// </summary>
public class OAuthTables
{
    public const string Clients = "clients";
    public const string Users = "users";
    public const string Grants = "grants";
    public const string Revocations = "revocations";
    public const string Expiry = "expiry";
    public const string SigningKeys = "signingkeys";
    public const string Lockouts = "lockouts";
    public const string Apis = "apis";
    public const string Sessions = "sessions";
    public const string Consents = "consents";
    public const string Replays = "replays";
    public const string UpstreamSignIns = "upstreamsignins";
    public const string UpstreamLinks = "upstreamlinks";
    public const string PushedRequests = "pushedrequests";

    public const string DeviceCodes = "devicecodes";

    public static readonly IReadOnlyList<string> All = [Clients, Users, Grants, Revocations, Expiry, SigningKeys, Lockouts, Apis, Sessions, Consents, UpstreamSignIns, UpstreamLinks, Replays, PushedRequests, DeviceCodes];

    /// <summary>What an account added for grant families holds (<see cref="GrantAccounts"/>): its families, their revocations and its expiry index.</summary>
    public static readonly IReadOnlyList<string> GrantAccountTables = [Grants, Revocations, Expiry];

    private readonly TableServiceClient _service;
    private readonly string _prefix;
    private readonly Dictionary<string, TableClient> _tables;
    private readonly Lock _creationLock = new();
    private Task? _creation;

    /// <param name="names">The tables this account holds, created at first use: <see cref="All"/> for the main account.</param>
    public OAuthTables(StorageOptions options, TokenCredential? credential = null, TableClientOptions? clientOptions = null, IReadOnlyList<string>? names = null)
    {
        clientOptions ??= DefaultClientOptions(options.TablePrefix);
        _service = options.ConnectionString is { Length: > 0 } connectionString
            ? new TableServiceClient(connectionString, clientOptions)
            : new TableServiceClient(options.TableServiceUri!, credential ?? throw new ArgumentNullException(nameof(credential)), clientOptions);
        _prefix = options.TablePrefix;
        _tables = (names ?? All).ToDictionary(name => name, name => _service.GetTableClient(TableName(name)), StringComparer.Ordinal);
    }

    /// <summary>
    /// For a stand-in that overrides <see cref="GetAsync"/>: the purge tests interleave a writer with the purge's
    /// storage calls through one (InterleavingTables), so this seam is kept.
    /// </summary>
    protected OAuthTables()
    {
        _service = null!;
        _prefix = "";
        _tables = [];
        _creation = Task.CompletedTask;
    }

    /// <summary>
    /// Retries are the SDK pipeline's: exponential backoff with jitter on 408, 429, 500, 502, 503 and 504 and on
    /// dropped connections, so throttling (503 ServerBusy) and timeouts (500 OperationTimedOut) are ridden out in
    /// place. Few and short, because a client is waiting: past <see cref="WorstCaseDuration"/> it is better served by a
    /// 503 temporarily_unavailable with Retry-After than by a slower answer: what is left failing after the retries
    /// becomes a <see cref="Protocol.DependencyUnavailableException"/> (<see cref="TableStorageFailurePolicy"/>). Every
    /// request (each retry too) is timed for telemetry.
    /// </summary>
    public static TableClientOptions DefaultClientOptions(string tablePrefix = "")
    {
        var options = new TableClientOptions();
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(250);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        options.Diagnostics.IsLoggingContentEnabled = false;
        options.AddPolicy(new TableStorageFailurePolicy(), HttpPipelinePosition.PerCall);
        options.AddPolicy(DependencyTelemetryPolicy.ForTableStorage(tablePrefix), HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>
    /// The longest one storage call can take under these options: every try running into the network timeout, and the
    /// longest backoff between tries (Azure.Core waits Delay x 2^(n-1), up to MaxDelay, with up to 20 % jitter).
    /// </summary>
    public static TimeSpan WorstCaseDuration(RetryOptions retry)
    {
        var total = retry.NetworkTimeout * (retry.MaxRetries + 1);
        for (var attempt = 1; attempt <= retry.MaxRetries; attempt++)
        {
            var backoff = retry.Mode == RetryMode.Exponential ? retry.Delay * (1 << (attempt - 1)) * 1.2 : retry.Delay * 1.2;
            total += backoff < retry.MaxDelay ? backoff : retry.MaxDelay;
        }

        return total;
    }

    public string TableName(string name) => _prefix + name;

    public virtual async ValueTask<TableClient> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var creation = _creation;
        if (creation is null || !creation.IsCompletedSuccessfully)
        {
            lock (_creationLock)
            {
                // A failed creation (storage unreachable at first use) is tried again by the next request.
                if (_creation is null || _creation.IsFaulted || _creation.IsCanceled)
                {
                    _creation = CreateAllAsync();
                }

                creation = _creation;
            }

            await creation.WaitAsync(cancellationToken);
        }

        return _tables[name];
    }

    /// <summary>
    /// All tables at once: the first request of an instance waits for this, so one sequential round trip per table would be
    /// as many latencies on its critical path instead of one.
    /// </summary>
    private Task CreateAllAsync() => Task.WhenAll(_tables.Values.Select(CreateAsync));

    private static async Task CreateAsync(TableClient table)
    {
        try
        {
            await table.CreateIfNotExistsAsync();
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Created by another instance at the same moment.
        }
    }
}
