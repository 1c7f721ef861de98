using Azure;
using Azure.Data.Tables;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// A row with an expiry. Table Storage has no TTL, so rows are written and read only through <see cref="ExpiringTable"/>
/// (which indexes the expiry and hides expired rows) and the purge (<see cref="ExpiryPurge"/>) deletes them later.
/// </summary>
public abstract class ExpiringEntity : ITableEntity
{
    public string PartitionKey { get; set; } = "";

    public string RowKey { get; set; } = "";

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The id of the write that last wrote the row (<see cref="RetrySafeWrite"/>), so its own retry is not taken for another's.</summary>
    public string? WriteId { get; set; }

    internal bool IsLive(DateTimeOffset now) => now < ExpiresAt;
}
