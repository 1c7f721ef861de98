using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Tests.Infrastructure.Storage;

public sealed class ExpiryIndexTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Bucket_RoundsUp_SoAnEntryIsNeverDueBeforeItsRows()
    {
        Assert.Equal("x202611222301", ExpiryIndex.Bucket(new DateTimeOffset(2026, 11, 22, 23, 0, 1, TimeSpan.Zero), "grants|f", 1));
        Assert.Equal("x202611222300", ExpiryIndex.Bucket(new DateTimeOffset(2026, 11, 22, 23, 0, 0, TimeSpan.Zero), "grants|f", 1));
        Assert.Equal("x202611222300", ExpiryIndex.Bucket(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.FromHours(1)), "grants|f", 1));
    }

    [Fact]
    public void Buckets_SortLikeTime()
    {
        var a = ExpiryIndex.Bucket(new DateTimeOffset(2026, 9, 30, 23, 59, 0, TimeSpan.Zero), "grants|f", 16);
        var b = ExpiryIndex.Bucket(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), "grants|f", 16);

        Assert.True(string.CompareOrdinal(a, b) < 0);
    }

    [Fact]
    public void WithOneShard_TheBucketIsTheMinute_AsEarlierVersionsWroteIt()
    {
        Assert.Equal("x202611221201", ExpiryIndex.Bucket(Noon.AddSeconds(30), "grants|family", 1));
    }

    [Fact]
    public void WithShards_TheBucketIsTheMinuteAndTheEntrysShard_TheSameInEveryProcess()
    {
        // FNV-1a of "grants|family" is a fixed number: the shard must not depend on the process (string.GetHashCode does).
        var shard = ExpiryIndex.Shard("grants|family", 16);

        Assert.Equal($"x202611221201-{shard:D2}", ExpiryIndex.Bucket(Noon.AddSeconds(30), "grants|family", 16));
        Assert.Equal(Fnv1a("grants|family") % 16, (uint)shard);
        Assert.Equal(ExpiryIndex.Bucket(Noon.AddSeconds(30), "grants|family", 16), ExpiryIndex.Bucket(Noon.AddSeconds(59), "grants|family", 16));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(ExpiryIndex.MaxShards)]
    public void EveryShardOfAMinute_SortsAfterItsUnshardedBucket_AndBeforeTheNextMinute(int shards)
    {
        var minute = ExpiryIndex.Bucket(Noon, "grants|f", 1);
        var nextMinute = ExpiryIndex.Bucket(Noon.AddMinutes(1), "grants|f", 1);
        for (var i = 0; i < 1000; i++)
        {
            var bucket = ExpiryIndex.Bucket(Noon, "grants|" + Guid.NewGuid().ToString("N"), shards);
            Assert.True(string.CompareOrdinal(minute, bucket) <= 0, bucket);
            Assert.True(string.CompareOrdinal(bucket, nextMinute) < 0, bucket);
        }
    }

    [Fact]
    public void FirstBucketNotDue_IsTheNextMinute_SoEveryShardOfTheCurrentMinuteIsDue()
    {
        Assert.Equal("x202611221201", ExpiryIndex.FirstBucketNotDue(Noon));
        Assert.Equal("x202611221201", ExpiryIndex.FirstBucketNotDue(Noon.AddSeconds(59.9)));

        // A row expiring now is in a due bucket; one expiring a tick later is not.
        Assert.True(string.CompareOrdinal(ExpiryIndex.Bucket(Noon, "grants|f", 16), ExpiryIndex.FirstBucketNotDue(Noon)) < 0);
        Assert.True(string.CompareOrdinal(ExpiryIndex.Bucket(Noon.AddTicks(1), "grants|f", 16), ExpiryIndex.FirstBucketNotDue(Noon)) >= 0);
    }

    [Fact]
    public void Entries_SpreadEvenlyOverTheShards()
    {
        const int shards = 16;
        const int entries = 160_000;
        var counts = new int[shards];
        for (var i = 0; i < entries; i++)
        {
            counts[ExpiryIndex.Shard("grants|" + Guid.NewGuid().ToString("N"), shards)]++;
        }

        // 10,000 expected per shard, standard deviation about 97: 5 % either way is over five deviations.
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
    }

    [Fact]
    public void AtTwentyThousandNewGrantsASecond_NoIndexPartitionTakesMoreThanTwoThousandEntitiesASecond()
    {
        // One second of a steady 20,000 code flows a second, as the stores key it: each new family's entry in the minute
        // its code expires; the purge rescheduling a minute-old family to its refresh token's expiry and deleting that
        // family's due entry, and deleting the entry of a family dying now. Table Storage serves 2,000 entities/s per
        // partition (scalability targets), so none may take more.
        Assert.InRange(HottestIndexPartitionAt(20_000, ExpiryIndex.DefaultShards), 1, 2_000);

        // Unsharded, as earlier versions wrote it, the minute being purged alone took about 40,000.
        Assert.True(HottestIndexPartitionAt(20_000, 1) > 35_000);
    }

    private static int HottestIndexPartitionAt(int grantsPerSecond, int shards)
    {
        var entities = new Dictionary<string, int>(StringComparer.Ordinal);
        void Count(string bucket) => entities[bucket] = entities.GetValueOrDefault(bucket) + 1;
        var second = Noon.AddSeconds(30);
        for (var i = 0; i < grantsPerSecond; i++)
        {
            var now = second.AddTicks(TimeSpan.TicksPerSecond * i / grantsPerSecond);
            Count(ExpiryIndex.Bucket(now.AddSeconds(60), ExpiryIndex.EntryKey("grants", SecretValues.NewId()), shards));
            var purged = ExpiryIndex.EntryKey("grants", SecretValues.NewId());
            Count(ExpiryIndex.Bucket(now.AddDays(14), purged, shards));
            Count(ExpiryIndex.Bucket(now.AddMinutes(-1), purged, shards));
            Count(ExpiryIndex.Bucket(now.AddMinutes(-1), ExpiryIndex.EntryKey("grants", SecretValues.NewId()), shards));
        }

        return entities.Values.Max();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ExpiryIndex.MaxShards + 1)]
    public void AShardCountOutOfRange_IsRefused(int shards)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExpiryIndex(null!, shards));
    }

    private static uint Fnv1a(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
