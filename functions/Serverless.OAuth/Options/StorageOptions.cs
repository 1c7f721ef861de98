namespace Serverless.OAuth.Options;

public sealed class StorageOptions
{
    /// <summary>A connection string (Azurite: "UseDevelopmentStorage=true"). Not used in Azure, where keys are disabled.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The table endpoint, reached with the managed identity (e.g. https://account.table.core.windows.net).</summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>Prepended to every table name, so several servers (or test runs) can share one account.</summary>
    public string TablePrefix { get; set; } = "oauth";

    /// <summary>How often the local host runs the expiry purge; the Functions app uses its timer trigger instead.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(5);
}
