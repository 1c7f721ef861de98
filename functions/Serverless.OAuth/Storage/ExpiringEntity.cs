using Azure;
using Azure.Data.Tables;

namespace Serverless.OAuth.Storage;

/// <summary>
/// A row with an expiry. Table Storage has no TTL, so every read goes through <see cref="IsLive"/> and the purge
/// (<see cref="ExpiryPurge"/>) deletes expired rows later.
/// </summary>
public abstract class ExpiringEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public bool IsLive(DateTimeOffset now) => now < ExpiresAt;
}
