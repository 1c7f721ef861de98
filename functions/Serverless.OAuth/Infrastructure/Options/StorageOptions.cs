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
    public int ExpiryIndexShards { get; set; } = Serverless.OAuth.Infrastructure.Storage.ExpiryIndex.DefaultShards;

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
