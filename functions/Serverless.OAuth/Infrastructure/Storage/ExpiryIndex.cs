using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// An index of partitions by the minute their earliest row expires, so the purge reads only what is due and never
/// scans live rows. A writer that creates a partition adds its entry before the rows (so no row is ever unindexed);
/// the purge moves the entry forward when the partition still holds live rows.
/// </summary>
/// <remarks>
/// Every partition created in a minute with the same lifetime lands in the same minute, and Table Storage serves one
/// partition at most 2,000 entities/s. So a minute is split into shards, "x{minute}-{shard}", the shard chosen by a
/// stable hash of the entry (the same entry always lands in the same shard, whichever instance writes it). The purge
/// reads a range of keys by minute, so it finds every shard of a due minute whatever the shard count was when it was
/// written, and the unsharded buckets "x{minute}" written by earlier versions (or with one shard) as well.
/// </remarks>
public sealed class ExpiryIndex(OAuthTables tables, int shards = ExpiryIndex.DefaultShards)
{
    public const string MinuteFormat = "yyyyMMddHHmm";

    /// <summary>Every bucket starts with this, so the purge's range query reads index partitions only.</summary>
    public const string BucketPrefix = "x";

    /// <inheritdoc cref="StorageOptions.DefaultExpiryIndexShards"/>
    public const int DefaultShards = StorageOptions.DefaultExpiryIndexShards;

    /// <inheritdoc cref="StorageOptions.MaxExpiryIndexShards"/>
    public const int MaxShards = StorageOptions.MaxExpiryIndexShards;

    private const char ShardSeparator = '-';
    private const char EntryKeySeparator = '|';

    public int Shards { get; } = shards is >= 1 and <= MaxShards
        ? shards
        : throw new ArgumentOutOfRangeException(nameof(shards), shards, $"The expiry index needs 1 to {MaxShards} shards.");

    /// <summary>
    /// The index partition of an entry: the minute its rows expire, rounded up so an entry is never due early, and
    /// with more than one shard the entry's shard within that minute.
    /// </summary>
    public static string Bucket(DateTimeOffset expiresAt, string entryKey, int shards)
    {
        var minute = MinuteBucket(RoundUpToMinute(expiresAt));
        return shards == 1
            ? minute
            : minute + ShardSeparator + Shard(entryKey, shards).ToString("D2", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The first bucket that is not yet due at <paramref name="now"/>: the minute after the one now falls in. A bucket
    /// names rows expiring at or before its minute, so every row of a bucket sorting before this one has expired; the
    /// bucket of a row still live never does, so a writer never adds to a bucket the purge is emptying. Every shard of
    /// a minute, "x{minute}-{shard}", sorts after "x{minute}" and before the next minute's buckets.
    /// </summary>
    public static string FirstBucketNotDue(DateTimeOffset now) => MinuteBucket(RoundDownToMinute(now).AddMinutes(1));

    /// <summary>
    /// The shard of an entry: FNV-1a over its key, which (unlike string.GetHashCode) is the same in every process.
    /// Entries name random family ids, user names or key ids, so they spread evenly.
    /// </summary>
    public static int Shard(string entryKey, int shards)
    {
        var hash = 2166136261u;
        foreach (var c in entryKey)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)shards);
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

    /// <summary>The bucket this index writes an entry to.</summary>
    public string BucketOf(string table, string partition, DateTimeOffset expiresAt) => Bucket(expiresAt, EntryKey(table, partition), Shards);

    public async Task AddAsync(string table, string partition, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var index = await tables.GetAsync(OAuthTables.Expiry, cancellationToken);
        var entryKey = EntryKey(table, partition);
        var entry = new TableEntity(Bucket(expiresAt, entryKey, Shards), entryKey);
        await index.UpsertEntityAsync(entry, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>
    /// Makes sure the partition has an entry at or before <paramref name="expiresAt"/>'s bucket, writing one only when
    /// this instance has not already written one that is not yet due. Such an entry is still there: only the purge
    /// deletes entries, and only those of buckets that are due, so the write would change nothing. For tables whose
    /// partitions are written again and again (a user's consents, a key's lockout row): a user's second sign-in writes
    /// no index entry. The memory is bounded; a restarted instance just writes the entry again.
    /// </summary>
    public Task EnsureAsync(string table, string partition, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken) =>
        EnsureAllAsync(table, [partition], expiresAt, now, cancellationToken);

    /// <summary>
    /// <see cref="EnsureAsync"/> for partitions written together (a sign-in's account and address lockout rows): the
    /// entries not already there go into one bucket, the shard of the first, in one transaction. The purge finds them
    /// by minute whatever their shard, and deletes them together.
    /// </summary>
    public async Task EnsureAllAsync(string table, IReadOnlyList<string> partitions, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var minute = MinuteBucket(RoundUpToMinute(expiresAt));
        var notDue = FirstBucketNotDue(now + NotDueMargin);
        var missing = partitions.Select(partition => EntryKey(table, partition)).Distinct(StringComparer.Ordinal)
            .Where(entryKey => !(_written.TryGetValue(entryKey, out var written)
                && string.CompareOrdinal(written, 0, minute, 0, minute.Length) <= 0
                && string.CompareOrdinal(written, notDue) >= 0))
            .ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var bucket = Bucket(expiresAt, missing[0], Shards);
        var index = await tables.GetAsync(OAuthTables.Expiry, cancellationToken);
        if (missing.Count == 1)
        {
            await index.UpsertEntityAsync(new TableEntity(bucket, missing[0]), TableUpdateMode.Replace, cancellationToken);
        }
        else
        {
            await index.SubmitTransactionAsync(
                missing.Select(entryKey => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(bucket, entryKey))), cancellationToken);
        }

        if (_written.Count >= MaxRemembered)
        {
            _written.Clear();
        }

        foreach (var entryKey in missing)
        {
            _written[entryKey] = bucket;
        }
    }

    /// <summary>
    /// An entry counts as still there only while its bucket is this far from due, so a purge on an instance whose clock
    /// runs a little ahead cannot have taken it.
    /// </summary>
    public static readonly TimeSpan NotDueMargin = TimeSpan.FromMinutes(5);

    /// <summary>Entries remembered per instance (about 200 bytes each) before the memory starts again.</summary>
    private const int MaxRemembered = 50_000;

    private readonly ConcurrentDictionary<string, string> _written = new(StringComparer.Ordinal);

    private static string MinuteBucket(DateTime minute) => BucketPrefix + minute.ToString(MinuteFormat, CultureInfo.InvariantCulture);

    private static DateTime RoundDownToMinute(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        return new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, DateTimeKind.Utc);
    }

    private static DateTime RoundUpToMinute(DateTimeOffset instant)
    {
        var minute = RoundDownToMinute(instant);
        return minute < instant.UtcDateTime ? minute.AddMinutes(1) : minute;
    }
}
