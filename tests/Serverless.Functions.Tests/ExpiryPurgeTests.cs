using Azure.Data.Tables;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Storage;

namespace Serverless.Functions.Tests;

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

        var due = ExpiryIndex.DueBucket(_store.Now);
        var entries = await _store.IndexEntriesAsync();
        Assert.DoesNotContain(entries, e => string.CompareOrdinal(e.Bucket, due) <= 0);
        foreach (var family in liveCodes)
        {
            Assert.Contains((ExpiryIndex.Bucket(OAuthTestServices.Start + Live), ExpiryIndex.EntryKey(OAuthTables.Grants, family)), entries);
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
        var tokenValue = SecretValues.Compose(family, SecretValues.NewSecret());
        Assert.True(await _store.Grants.RedeemCodeAsync(code.Code!, start + TimeSpan.FromSeconds(90), new NewRefreshToken(tokenValue, new RefreshTokenEntity
        {
            ClientId = "client",
            Subject = "user",
            Scope = "read offline_access",
            AuthTime = start,
            AbsoluteExpiresAt = start + TimeSpan.FromDays(1),
            ExpiresAt = start + TimeSpan.FromSeconds(90),
        })));

        // The client refreshes at the last moment: its instance read the token while it was still live...
        _services.Clock.Advance(TimeSpan.FromSeconds(80));
        var presented = await _store.Grants.FindRefreshTokenAsync(tokenValue);
        Assert.NotNull(presented!.Row);

        // ...and its rotation commits after the purge has read the partition (all expired) and before it deletes.
        _services.Clock.Advance(TimeSpan.FromSeconds(40));
        var successor = SecretValues.Compose(family, SecretValues.NewSecret());
        var tables = new InterleavingTables(_services.Get<OAuthTables>(), _services.Storage, OAuthTables.Grants, async () =>
            Assert.True(await _store.Grants.RotateAsync(presented, tokenValue, new NewRefreshToken(successor, new RefreshTokenEntity
            {
                ClientId = "client",
                Subject = "user",
                Scope = "read offline_access",
                AuthTime = start,
                AbsoluteExpiresAt = start + TimeSpan.FromDays(1),
                ExpiresAt = start + TimeSpan.FromDays(1),
            }))));

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
        var bucket = ExpiryIndex.Bucket(_store.Now);
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

    private async Task<(string Value, string Family)> CreateCodeValueAsync()
    {
        var value = await _store.Grants.CreateCodeAsync(new AuthorizationCodeEntity
        {
            ExpiresAt = _store.Now + TimeSpan.FromSeconds(60),
            ClientId = "client",
            RedirectUri = "https://app.example/callback",
            Scope = "read offline_access",
            Subject = "user",
            AuthTime = _store.Now,
        });
        Assert.True(SecretValues.TrySplit(value, out var family, out _));
        return (value, family);
    }
}
