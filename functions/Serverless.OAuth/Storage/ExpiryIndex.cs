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

    /// <summary>Every bucket starts with this, so the purge's range query reads index partitions only.</summary>
    public const string BucketPrefix = "x";

    private const char EntryKeySeparator = '|';

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

        return BucketPrefix + minute.ToString(BucketFormat, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The latest bucket that is due at <paramref name="now"/>: the minute now falls in, rounded down. A bucket names
    /// rows expiring at or before its minute, so every row of a due bucket has expired; the bucket of a row still live
    /// is always later, so a writer never adds to a bucket the purge is emptying.
    /// </summary>
    public static string DueBucket(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        return BucketPrefix + new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, DateTimeKind.Utc).ToString(BucketFormat, CultureInfo.InvariantCulture);
    }

    public static string EntryKey(string table, string partition) => table + EntryKeySeparator + partition;

    /// <summary>Splits an entry's row key into the table and partition it names; false when it is malformed.</summary>
    public static bool TryParseEntryKey(string entryKey, out string table, out string partition)
    {
        var separator = entryKey.IndexOf(EntryKeySeparator, StringComparison.Ordinal);
        table = separator > 0 ? entryKey[..separator] : "";
        partition = separator > 0 ? entryKey[(separator + 1)..] : "";
        return separator > 0 && partition.Length > 0;
    }

    public virtual async Task AddAsync(string table, string partition, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var index = await tables.GetAsync(OAuthTables.Expiry, cancellationToken);
        var entry = new TableEntity(Bucket(expiresAt), EntryKey(table, partition));
        await index.UpsertEntityAsync(entry, TableUpdateMode.Replace, cancellationToken);
    }
}
