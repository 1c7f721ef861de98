using Azure.Data.Tables;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.OAuth.Tests.Infrastructure.Storage;

/// <summary>The purge against Azurite, with rows written through the real stores and time moved by hand.</summary>
public sealed class ExpiryPurgeTests : IAsyncLifetime
{
    private static readonly TimeSpan Expired = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Live = TimeSpan.FromHours(1);
    private static readonly TimeSpan PastExpiry = TimeSpan.FromMinutes(2);

    private OAuthTestServices _services = null!;
    private PurgeFixture _store = null!;

    public async Task InitializeAsync()
    {
        _services = await OAuthTestServices.CreateAsync();
        _store = new PurgeFixture(_services);
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task Purge_DeletesExactlyTheExpiredRows_AndLeavesTheLiveOnes()
    {
        var expiredCodes = await _store.CreateCodesAsync(3, Expired);
        var liveCodes = await _store.CreateCodesAsync(4, Live);
        await _store.RevokeTokensAsync("mixed", 2, Expired);
        await _store.RevokeTokensAsync("mixed", 3, Live);
        _services.Clock.Advance(PastExpiry);

        var result = await _store.NewPurge().RunAsync();

        Assert.Equal(5, result.RowsDeleted);
        Assert.Equal(liveCodes.Select(f => (f, AuthorizationCodeEntity.Row)).ToHashSet(), await _store.RowsAsync(OAuthTables.Grants));
        var revocations = await _store.RowsAsync(OAuthTables.Revocations);
        Assert.Equal(3, revocations.Count);
        Assert.All(revocations, r => Assert.Contains($".{Live.TotalSeconds}.", r.Row));
        Assert.DoesNotContain(await _store.IndexEntriesAsync(), e => expiredCodes.Any(f => e.Entry.EndsWith(f, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Purge_LeavesNoDueEntry_AndKeepsEveryLivePartitionIndexed()
    {
        var liveCodes = await _store.CreateCodesAsync(2, Live);
        await _store.CreateCodesAsync(2, Expired);
        await _store.RevokeTokensAsync("mixed", 1, Expired);
        await _store.RevokeTokensAsync("mixed", 1, Live);
        _services.Clock.Advance(PastExpiry);

        var result = await _store.NewPurge().RunAsync();

        var notDue = ExpiryIndex.FirstBucketNotDue(_store.Now);
        var entries = await _store.IndexEntriesAsync();
        Assert.DoesNotContain(entries, e => string.CompareOrdinal(e.Bucket, notDue) < 0);
        foreach (var family in liveCodes)
        {
            Assert.Contains((_store.Index.BucketOf(OAuthTables.Grants, family, OAuthTestServices.Start + Live), ExpiryIndex.EntryKey(OAuthTables.Grants, family)), entries);
        }

        Assert.Contains(entries, e => e.Entry == ExpiryIndex.EntryKey(OAuthTables.Revocations, "mixed"));
        Assert.Equal(1, result.PartitionsRescheduled);
    }

    [Fact]
    public async Task Purge_IsIdempotent()
    {
        await _store.CreateCodesAsync(3, Expired);
        await _store.CreateCodesAsync(2, Live);
        await _store.RevokeTokensAsync("mixed", 2, Expired);
        await _store.RevokeTokensAsync("mixed", 2, Live);
        _services.Clock.Advance(PastExpiry);
        var purge = _store.NewPurge();

        var first = await purge.RunAsync();
        var second = await purge.RunAsync();

        Assert.Equal(5, first.RowsDeleted);
        Assert.Equal(new PurgeResult(0, 0, 0, 0), second);
        Assert.Equal(2 + 2, (await _store.RowsAsync(OAuthTables.Grants)).Count + (await _store.RowsAsync(OAuthTables.Revocations)).Count);
    }

    [Fact]
    public async Task LiveRows_ArePurgedOnceTheyExpire()
    {
        await _store.CreateCodesAsync(2, Live);
        await _store.RevokeTokensAsync("mixed", 2, Expired);
        await _store.RevokeTokensAsync("mixed", 3, Live);
        _services.Clock.Advance(PastExpiry);
        await _store.NewPurge().RunAsync();

        _services.Clock.Advance(Live);
        var later = await _store.NewPurge().RunAsync();

        Assert.Equal(2 + 3, later.RowsDeleted);
        Assert.Empty(await _store.RowsAsync(OAuthTables.Grants));
        Assert.Empty(await _store.RowsAsync(OAuthTables.Revocations));
        Assert.Empty(await _store.IndexEntriesAsync());
    }

    [Fact]
    public async Task PurgeCost_IsBoundedByTheExpiredPartitions_NotByTheLiveRows()
    {
        const int liveCodes = 40;
        const int liveRevocations = 60;
        await _store.CreateCodesAsync(liveCodes, Live);
        await _store.RevokeTokensAsync("busy", liveRevocations, Live);
        await _store.CreateCodesAsync(3, Expired);
        await _store.RevokeTokensAsync("mixed", 1, Expired);
        await _store.RevokeTokensAsync("mixed", 2, Live);
        _services.Clock.Advance(PastExpiry);

        var result = await _store.NewPurge().RunAsync();

        // Three expired code partitions of one row each, and the one due revocation partition of three rows: nothing
        // of the 100 live rows elsewhere is read, and no index entry but the four due ones.
        Assert.Equal(4, result.IndexEntriesRead);
        Assert.Equal(3 + 3, result.RowsRead);
        Assert.Equal(3 + 1, result.RowsDeleted);
        Assert.True(result.RowsRead < liveCodes + liveRevocations);
    }

    [Fact]
    public async Task TwoConcurrentPurges_DeleteEachExpiredRowOnce_AndLoseNoLiveRow()
    {
        var liveCodes = await _store.CreateCodesAsync(10, Live);
        await _store.CreateCodesAsync(20, Expired);
        // More expired rows in one partition than one transaction holds, so both purges race over several batches.
        await _store.RevokeTokensAsync("large", 150, Expired);
        await _store.RevokeTokensAsync("large", 5, Live);
        _services.Clock.Advance(PastExpiry);

        // Two instances, each with its own storage clients, as two hosts running the timer at once.
        var first = _store.NewPurge(new OAuthTables(_services.Storage));
        var second = _store.NewPurge(new OAuthTables(_services.Storage));
        var results = await Task.WhenAll(first.RunAsync(), second.RunAsync());

        Assert.Equal(20 + 150, results.Sum(r => r.RowsDeleted));
        Assert.Equal(liveCodes.Select(f => (f, AuthorizationCodeEntity.Row)).ToHashSet(), await _store.RowsAsync(OAuthTables.Grants));
        Assert.Equal(5, (await _store.RowsAsync(OAuthTables.Revocations)).Count);
        Assert.Equal(new PurgeResult(0, 0, 0, 0), await _store.NewPurge().RunAsync());

        _services.Clock.Advance(Live);
        Assert.Equal(10 + 5, (await _store.NewPurge().RunAsync()).RowsDeleted);
    }

    [Fact]
    public async Task ARowRotatedWhileThePurgeDeletes_IsKept_AndItsPartitionStaysIndexed()
    {
        // A family whose refresh token is about to expire: the code was redeemed, leaving the tombstone and the token.
        var start = _store.Now;
        var code = await _store.Grants.FindCodeAsync((await CreateCodeValueAsync()).Value);
        var family = code!.FamilyId;
        var familyGrant = new RefreshGrant
        {
            ClientId = "client",
            Subject = "user",
            Scope = "read offline_access",
            AuthTime = start,
            AbsoluteExpiresAt = start + TimeSpan.FromDays(1),
        };
        var token = NewRefreshToken.Mint(family, familyGrant, start + TimeSpan.FromSeconds(90));
        var tokenValue = token.Value;
        Assert.True(await _store.Grants.RedeemCodeAsync(code.Code!, start + TimeSpan.FromSeconds(90), token));

        // The client refreshes at the last moment: its instance read the token while it was still live...
        _services.Clock.Advance(TimeSpan.FromSeconds(80));
        var presented = (await _store.Grants.FindRefreshTokenAsync(tokenValue))?.Row;
        Assert.NotNull(presented);

        // ...and its rotation commits after the purge has read the partition (all expired) and before it deletes.
        _services.Clock.Advance(TimeSpan.FromSeconds(40));
        var successorToken = NewRefreshToken.Mint(family, familyGrant, start + TimeSpan.FromDays(1));
        var successor = successorToken.Value;
        var tables = new InterleavingTables(_services.Get<OAuthTables>(), _services.Storage, OAuthTables.Grants, async () =>
            Assert.True(await _store.Grants.RotateAsync(presented, tokenValue, successorToken)));

        var result = await _store.NewPurge(tables).RunAsync();

        Assert.Equal(1, result.RowsDeleted);
        Assert.Equal(1, result.PartitionsRescheduled);
        var rows = await _store.RowsAsync(OAuthTables.Grants);
        Assert.Contains((family, RefreshTokenEntity.RowKeyFor(SecretValues.Hash(tokenValue))), rows);
        Assert.Contains((family, RefreshTokenEntity.RowKeyFor(SecretValues.Hash(successor))), rows);
        Assert.DoesNotContain((family, RedeemedCodeEntity.Row), rows);
        Assert.Contains(await _store.IndexEntriesAsync(), e => e.Entry == ExpiryIndex.EntryKey(OAuthTables.Grants, family));

        // The partition is looked at again, and its rows go when they expire.
        _services.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, (await _store.NewPurge().RunAsync()).RowsDeleted);
        _services.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(2, (await _store.NewPurge().RunAsync()).RowsDeleted);
        Assert.Empty(await _store.RowsAsync(OAuthTables.Grants));
    }

    [Fact]
    public async Task MalformedIndexEntries_AreDropped_WithoutReadingAnyTable()
    {
        var index = await _services.Get<OAuthTables>().GetAsync(OAuthTables.Expiry);
        var bucket = ExpiryIndex.Bucket(_store.Now, "malformed", 1);
        await index.AddEntityAsync(new TableEntity(bucket, "no-separator"));
        await index.AddEntityAsync(new TableEntity(bucket, ExpiryIndex.EntryKey(OAuthTables.Expiry, "self")));
        await index.AddEntityAsync(new TableEntity(bucket, ExpiryIndex.EntryKey("unknown", "p")));
        _services.Clock.Advance(PastExpiry);

        var result = await _store.NewPurge().RunAsync();

        Assert.Equal(new PurgeResult(3, 0, 0, 0), result);
        Assert.Empty(await _store.IndexEntriesAsync());
    }

    [Fact]
    public async Task EntriesNotYetDue_AreNotRead()
    {
        await _store.CreateCodesAsync(2, TimeSpan.FromSeconds(20));

        // At 12:00:10 the codes expire at 12:00:30, in bucket 12:01: not due until 12:01:00, even though they have
        // expired by 12:00:45.
        _services.Clock.Advance(TimeSpan.FromSeconds(35));
        Assert.Equal(new PurgeResult(0, 0, 0, 0), await _store.NewPurge().RunAsync());

        _services.Clock.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(2, (await _store.NewPurge().RunAsync()).RowsDeleted);
    }

    [Fact]
    public async Task APartitionWhoseRowsShareAMinute_IsPurgedWhole()
    {
        // 12:00:20 and 12:00:50 share the bucket 12:01. At 12:00:30 one row has expired and the other has not, so the
        // bucket must not be due yet: purging it then would reschedule the partition into the very entry being removed.
        await _store.RevokeTokensAsync("minute", 1, TimeSpan.FromSeconds(10));
        await _store.RevokeTokensAsync("minute", 1, TimeSpan.FromSeconds(40));

        _services.Clock.Advance(TimeSpan.FromSeconds(20));
        var early = await _store.NewPurge().RunAsync();
        _services.Clock.Advance(TimeSpan.FromSeconds(40));
        var due = await _store.NewPurge().RunAsync();

        Assert.Equal(2, early.RowsDeleted + due.RowsDeleted);
        Assert.Empty(await _store.RowsAsync(OAuthTables.Revocations));
        Assert.Empty(await _store.IndexEntriesAsync());
    }

    [Fact]
    public async Task AnExpiredMinute_IsSpreadOverShards_AndThePurgeEmptiesEveryOne()
    {
        var expired = await _store.CreateCodesAsync(48, Expired);
        var live = await _store.CreateCodesAsync(8, Live);
        var minute = ExpiryIndex.Bucket(_store.Now + Expired, "", 1);
        var expiredBuckets = (await _store.IndexEntriesAsync()).Where(e => e.Bucket.StartsWith(minute, StringComparison.Ordinal)).Select(e => e.Bucket).ToHashSet();

        // 12:00:10 + 50 s is 12:01:00, the first moment the codes' minute is due: its shards sort after "x{12:01}".
        _services.Clock.Advance(TimeSpan.FromSeconds(50));

        var result = await _store.NewPurge().RunAsync();

        // 48 entries over the default 32 shards: about 25 of them used (all but certainly more than 8), every one read.
        Assert.True(expiredBuckets.Count > 8, $"{expiredBuckets.Count} shards used");
        Assert.All(expiredBuckets, b => Assert.Matches(@"^x\d{12}-\d{2}$", b));
        Assert.Equal(new PurgeResult(48, 48, 48, 0), result);
        Assert.Equal(live.Select(f => (f, AuthorizationCodeEntity.Row)).ToHashSet(), await _store.RowsAsync(OAuthTables.Grants));
        Assert.Equal(live.Select(f => ExpiryIndex.EntryKey(OAuthTables.Grants, f)).Order(), (await _store.IndexEntriesAsync()).Select(e => e.Entry).Order());
        Assert.DoesNotContain(await _store.IndexEntriesAsync(), e => expired.Any(f => e.Entry.EndsWith(f, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TheDueBuckets_AreEveryShardWithDueEntries_OnceEach_AndPurgingEachOnAnotherInstance_DoesWhatOneRunDoes()
    {
        var expired = await _store.CreateCodesAsync(40, Expired);
        var live = await _store.CreateCodesAsync(6, Live);
        await _store.RevokeTokensAsync("mixed", 2, Expired);
        await _store.RevokeTokensAsync("mixed", 2, Live);
        _services.Clock.Advance(PastExpiry);
        var notDue = ExpiryIndex.FirstBucketNotDue(_store.Now);
        var dueBuckets = (await _store.IndexEntriesAsync()).Select(e => e.Bucket).Where(b => string.CompareOrdinal(b, notDue) < 0).ToHashSet();

        var buckets = await _store.NewPurge().DueBucketsAsync().ToListAsync();

        Assert.Equal(dueBuckets.Order(StringComparer.Ordinal), buckets.Select(b => b.Bucket));
        Assert.All(buckets, b => Assert.Equal(0, b.Account));
        Assert.True(buckets.Count > 8, $"{buckets.Count} buckets");

        // Two instances (two purges), each taking every other bucket, and one bucket delivered to both at once.
        var instances = new[] { _store.NewPurge(), _store.NewPurge() };
        var results = await Task.WhenAll(buckets.Select((b, i) => instances[i % 2].PurgeBucketAsync(b)).Append(instances[1].PurgeBucketAsync(buckets[0])));

        Assert.Equal(42, results.Sum(r => r.RowsDeleted));
        Assert.Equal(1, results.Sum(r => r.PartitionsRescheduled));
        Assert.Equal(live.Select(f => (f, AuthorizationCodeEntity.Row)).ToHashSet(), await _store.RowsAsync(OAuthTables.Grants));
        Assert.Equal(2, (await _store.RowsAsync(OAuthTables.Revocations)).Count);
        var entries = await _store.IndexEntriesAsync();
        Assert.DoesNotContain(entries, e => string.CompareOrdinal(e.Bucket, notDue) < 0);
        Assert.Contains(entries, e => e.Entry == ExpiryIndex.EntryKey(OAuthTables.Revocations, "mixed"));
        Assert.Empty(await _store.NewPurge().DueBucketsAsync().ToListAsync());
    }

    [Fact]
    public async Task ABucketNotYetDue_OrOfAnAccountThisServerLacks_IsLeftAlone()
    {
        var codes = await _store.CreateCodesAsync(3, Expired);
        var bucket = (await _store.IndexEntriesAsync()).First().Bucket;
        var entriesOfTheBucket = (await _store.IndexEntriesAsync()).Count(e => e.Bucket == bucket);
        var purge = _store.NewPurge();

        var notYetDue = await purge.PurgeBucketAsync(new DueBucket(0, bucket));
        _services.Clock.Advance(PastExpiry);
        var unknownAccount = await purge.PurgeBucketAsync(new DueBucket(1, bucket));
        var notABucket = await purge.PurgeBucketAsync(new DueBucket(0, "grants"));

        Assert.All([notYetDue, unknownAccount, notABucket], r => Assert.Equal(new PurgeResult(0, 0, 0, 0), r));
        Assert.Equal(codes.Select(f => (f, AuthorizationCodeEntity.Row)).ToHashSet(), await _store.RowsAsync(OAuthTables.Grants));
        Assert.Equal(entriesOfTheBucket, (await purge.PurgeBucketAsync(new DueBucket(0, bucket))).RowsDeleted);
    }

    [Fact]
    public async Task UnshardedBucketsOfEarlierVersions_AndOtherShardCounts_ArePurgedToo_AndLivePartitionsMoveToTheirShard()
    {
        // Rows indexed as an earlier version did (one bucket per minute) and with another shard count, then purged by
        // this version with its default shard count.
        var tables = _services.Get<OAuthTables>();
        var legacy = new PurgeFixture(_services, new GrantStore(tables, new ExpiryIndex(tables, 1), _services.Clock));
        var seven = new PurgeFixture(_services, new GrantStore(tables, new ExpiryIndex(tables, 7), _services.Clock));
        var legacyExpired = await legacy.CreateCodesAsync(5, Expired);
        var sevenExpired = await seven.CreateCodesAsync(5, Expired);
        var legacyLive = await legacy.CreateCodesAsync(3, Live);
        var currentExpired = await _store.CreateCodesAsync(5, Expired);
        var minute = ExpiryIndex.Bucket(_store.Now + Expired, "", 1);
        Assert.Equal(5, (await _store.IndexEntriesAsync()).Count(e => e.Bucket == minute));

        // A family from the old bucket that also holds a live row: the partition lives on, and is rescheduled.
        var redeemedFamily = legacyExpired[0];
        await AddLiveRowAsync(redeemedFamily);
        _services.Clock.Advance(PastExpiry);

        var result = await _store.NewPurge().RunAsync();

        Assert.Equal(15, result.IndexEntriesRead);
        Assert.Equal(1, result.PartitionsRescheduled);
        var rows = await _store.RowsAsync(OAuthTables.Grants);
        Assert.Equal(legacyLive.Select(f => (f, AuthorizationCodeEntity.Row)).Append((redeemedFamily, "other")).ToHashSet(), rows);
        var entries = await _store.IndexEntriesAsync();
        Assert.DoesNotContain(entries, e => string.CompareOrdinal(e.Bucket, ExpiryIndex.FirstBucketNotDue(_store.Now)) < 0);
        Assert.Contains((_store.Index.BucketOf(OAuthTables.Grants, redeemedFamily, OAuthTestServices.Start + Live), ExpiryIndex.EntryKey(OAuthTables.Grants, redeemedFamily)), entries);
        Assert.All(legacyLive, f => Assert.Contains((ExpiryIndex.Bucket(OAuthTestServices.Start + Live, "", 1), ExpiryIndex.EntryKey(OAuthTables.Grants, f)), entries));
        Assert.DoesNotContain(entries, e => sevenExpired.Concat(currentExpired).Any(f => e.Entry.EndsWith(f, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TheEntriesOfOneIndexPartition_AreDeletedInTransactionsOfAHundred_NotOneByOne()
    {
        // 150 due entries in one bucket, naming partitions already emptied (by another purge, say).
        var bucket = await AddDueEntriesAsync(150);
        var counter = new Serverless.Testing.Storage.StorageRequestCounter(_services.Storage.TablePrefix);
        var options = OAuthTables.DefaultClientOptions(_services.Storage.TablePrefix);
        options.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);

        var result = await _store.NewPurge(new OAuthTables(_services.Storage, null, options)).RunAsync();

        Assert.Equal(150, result.IndexEntriesRead);
        var counts = counter.Snapshot();
        Assert.False(counts.ContainsKey("DELETE expiry"), string.Join(", ", counts));
        Assert.Equal(2, counts.GetValueOrDefault("POST $batch"));
        Assert.Equal(150, counts.GetValueOrDefault("GET grants"));
        Assert.DoesNotContain(await _store.IndexEntriesAsync(), e => e.Bucket == bucket);
    }

    [Fact]
    public async Task AnIndexEntryWrittenAgainWhileThePurgeDeletes_IsKept_AndOneAlreadyGoneIsIgnored()
    {
        var bucket = await AddDueEntriesAsync(5);
        var index = await _services.Get<OAuthTables>().GetAsync(OAuthTables.Expiry);
        var tables = new InterleavingTables(_services.Get<OAuthTables>(), _services.Storage, OAuthTables.Expiry, async () =>
        {
            // After the purge read the entries and before it deletes them: a writer indexes partition 2 again (new
            // ETag), and another purge has already deleted entry 3.
            await index.UpsertEntityAsync(new TableEntity(bucket, EmptyPartitionEntry(2)), TableUpdateMode.Replace);
            await index.DeleteEntityAsync(bucket, EmptyPartitionEntry(3));
        });

        var result = await _store.NewPurge(tables).RunAsync();

        Assert.Equal(5, result.IndexEntriesRead);
        Assert.Equal([(bucket, EmptyPartitionEntry(2))], await _store.IndexEntriesAsync());
    }

    private static string EmptyPartitionEntry(int i) => ExpiryIndex.EntryKey(OAuthTables.Grants, $"emptied{i:D3}");

    /// <summary>Due index entries in one (unsharded) bucket, written straight to the index; returns the bucket.</summary>
    private async Task<string> AddDueEntriesAsync(int count)
    {
        var bucket = ExpiryIndex.Bucket(_store.Now + Expired, "", 1);
        var index = await _services.Get<OAuthTables>().GetAsync(OAuthTables.Expiry);
        foreach (var chunk in Enumerable.Range(0, count).Chunk(100))
        {
            await index.SubmitTransactionAsync(chunk.Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(bucket, EmptyPartitionEntry(i)))));
        }

        _services.Clock.Advance(PastExpiry);
        return bucket;
    }

    /// <summary>A live row in an existing family, written straight to the table: the partition keeps its old entry.</summary>
    private async Task AddLiveRowAsync(string family)
    {
        var table = await _services.Get<OAuthTables>().GetAsync(OAuthTables.Grants);
        await table.AddEntityAsync(new TableEntity(family, "other") { ["ExpiresAt"] = _store.Now + Live });
    }

    private async Task<(string Value, string Family)> CreateCodeValueAsync()
    {
        var value = await _store.Grants.CreateCodeAsync(
            new CodeGrant { ClientId = "client", RedirectUri = "https://app.example/callback", Scope = "read offline_access", Subject = "user", AuthTime = _store.Now },
            _store.Now + TimeSpan.FromSeconds(60));
        Assert.True(SecretValues.TrySplit(value, out var family, out _));
        return (value, family);
    }
}
