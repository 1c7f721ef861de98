using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace Serverless.OAuth.Storage;

/// <summary>
/// An index of partitions by the minute their earliest row expires, so the purge reads only what is due and never
/// scans live rows. A writer that creates a partition adds its entry before the rows (so no row is ever unindexed);
/// the purge moves the entry forward when the partition still holds live rows.
/// </summary>
public class ExpiryIndex(OAuthTables tables)
{
    public const string BucketFormat = "yyyyMMddHHmm";

    /// <summary>For mocking.</summary>
    protected ExpiryIndex() : this(null!)
    {
    }

    /// <summary>The index partition for an expiry: the minute it falls in, rounded up so an entry is never due early.</summary>
    public static string Bucket(DateTimeOffset expiresAt)
    {
        var utc = expiresAt.UtcDateTime;
        var minute = new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, DateTimeKind.Utc);
        if (minute < utc)
        {
            minute = minute.AddMinutes(1);
        }

        return "x" + minute.ToString(BucketFormat, CultureInfo.InvariantCulture);
    }

    public static string EntryKey(string table, string partition) => table + "|" + partition;

    public virtual async Task AddAsync(string table, string partition, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var index = await tables.GetAsync(OAuthTables.Expiry, cancellationToken);
        var entry = new TableEntity(Bucket(expiresAt), EntryKey(table, partition));
        await index.UpsertEntityAsync(entry, TableUpdateMode.Replace, cancellationToken);
    }
}
