namespace Serverless.OAuth.Infrastructure.Options;

public sealed class StorageOptions
{
    /// <summary>A connection string (Azurite: "UseDevelopmentStorage=true"). Not used in Azure, where keys are disabled.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The table endpoint, reached with the managed identity (e.g. https://account.table.core.windows.net).</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>Prepended to every table name, so several servers (or test runs) can share one account.</summary>
    public string TablePrefix { get; set; } = "oauth";

    /// <summary>
    /// How many partitions each minute of the expiry index is split into, so that the index entries of a busy minute
    /// stay under Table Storage's 2,000 entities/s per partition (see docs/scale.md). Changing it is safe at any time:
    /// the purge reads every shard of a due minute, however many there were.
    /// </summary>
    public int ExpiryIndexShards { get; set; } = DefaultExpiryIndexShards;

    /// <summary>
    /// At 20,000 new grants a second a minute's shard takes about 625 new entries a second, and the shard being purged
    /// about 1,250 deletes (the minute's codes and the families that die in it): well under 2,000 with hash skew.
    /// </summary>
    public const int DefaultExpiryIndexShards = 32;

    /// <summary>Shard numbers are written with two digits; beyond that one storage account is the limit, not a partition.</summary>
    public const int MaxExpiryIndexShards = 100;

    /// <summary>How many accounts grant families may be spread over, the main one included (a family id names its account).</summary>
    public const int MaxGrantAccounts = 100;

    /// <summary>
    /// More storage accounts for grant families (codes, refresh tokens and their revocations), each a table endpoint
    /// reached with the managed identity (e.g. https://account2.table.core.windows.net), or, locally, a connection
    /// string. New families spread over the main account and these by a hash of their id, and each family's id records
    /// its account, so the list may grow but must never be reordered or shortened (see docs/scale.md). Blank entries at
    /// the end are ignored (the Bicep's unused slots).
    /// </summary>
    public List<string> GrantAccounts { get; set; } = [];

    /// <summary>How often the local host runs the expiry purge; the Functions app uses its timer trigger instead.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(5);
}
