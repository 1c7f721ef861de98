using Microsoft.Extensions.DependencyInjection;
using Serverless.FunctionsHost;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.Functions.Tests;

/// <summary>
/// The purge through the real worker against Azurite: the timer, fired through the host emulator, queues the due
/// buckets in the host's storage, and the queue trigger, fed by the emulator as the host's queue listener feeds it,
/// purges them.
/// </summary>
public sealed class PurgeTimerThroughWorkerTests
{
    [Fact]
    public async Task FiringTheTimer_QueuesTheDueBuckets_AndDeliveringThem_DeletesWhatExpired_AndKeepsWhatLives()
    {
        // The rows are written by the test's own core services with a clock an hour behind, so against the worker's
        // real clock the 30-second codes expired long ago and the two-hour one has an hour to go.
        var anHourAgo = new ManualClock(DateTimeOffset.UtcNow.AddHours(-1));
        await using var server = await FunctionsWorkerServer.StartAsync(coreServices: s => s.AddSingleton<TimeProvider>(anHourAgo));
        var rows = new PurgeFixture(server.Services, anHourAgo);
        var expired = await rows.CreateCodesAsync(3, TimeSpan.FromSeconds(30));
        var live = await rows.CreateCodesAsync(1, TimeSpan.FromHours(2));
        var dueBuckets = (await rows.IndexEntriesAsync()).Where(e => expired.Any(f => e.Entry.EndsWith(f, StringComparison.Ordinal))).Select(e => e.Bucket).Distinct().Count();

        var timer = await server.Host.FireTimerAsync("ExpiryPurge");
        var delivered = await server.Host.DeliverQueueMessagesAsync("ExpiryPurgeBucket");

        Assert.True(timer.Succeeded, timer.Error + Environment.NewLine + server.Host.Output);
        Assert.All(delivered, d => Assert.True(d.Succeeded, d.Error + Environment.NewLine + server.Host.Output));
        Assert.Equal(dueBuckets, delivered.Count);
        Assert.Equal(live.Select(f => (f, "code")).ToHashSet(), await rows.RowsAsync(OAuthTables.Grants));
        Assert.Contains(server.Host.Output.Lines, l => l.Contains($"Expiry purge queued {dueBuckets} due buckets", StringComparison.Ordinal));
        Assert.Equal(dueBuckets, server.Host.Output.Lines.Count(l => l.Contains("Expiry purge deleted", StringComparison.Ordinal)));
        Assert.All(expired, family => Assert.DoesNotContain(server.Host.Output.Lines, l => l.Contains(family, StringComparison.Ordinal)));
        Assert.Empty(await server.Host.DeliverQueueMessagesAsync("ExpiryPurgeBucket"));
    }

    [Fact]
    public async Task AMessageThatFailsEveryTime_IsTriedFiveTimes_ThenMovedToThePoisonQueue()
    {
        await using var server = await FunctionsWorkerServer.StartAsync();
        var function = server.Host.Functions.Single(f => f.Name == "ExpiryPurgeBucket");
        var queue = server.Host.QueueOf(function, poison: false);
        await queue.CreateIfNotExistsAsync();
        const string message = "{\"Account\":0,\"Bucket\":\"x200001010000\"}";
        // Delivered once, the bucket is purged (it is empty) and the worker has opened its index table; then that
        // table is deleted, so the same message fails on storage every time.
        await queue.SendMessageAsync(message);
        Assert.True(Assert.Single(await server.Host.DeliverQueueMessagesAsync("ExpiryPurgeBucket")).Succeeded);
        var tables = new Azure.Data.Tables.TableServiceClient((await AzuriteServer.Shared).ConnectionString);
        var index = server.Get<OAuthTables>().TableName(OAuthTables.Expiry);
        await tables.DeleteTableAsync(index);
        await queue.SendMessageAsync(message);

        var delivered = await server.Host.DeliverQueueMessagesAsync("ExpiryPurgeBucket");

        Assert.Equal(server.Host.App.MaxDequeueCount, delivered.Count);
        Assert.All(delivered, d => Assert.False(d.Succeeded));
        var poisoned = (await server.Host.QueueOf(function, poison: true).PeekMessagesAsync(32)).Value;
        Assert.Equal("x200001010000", Assert.Single(poisoned).Body.ToString().Split('"')[5]);

        // With the index back, the timer's next run reports it, for the purge backlog alert.
        await tables.CreateTableIfNotExistsAsync(index);
        var timer = await server.Host.FireTimerAsync("ExpiryPurge");
        Assert.True(timer.Succeeded, timer.Error);
        Assert.Contains(server.Host.Output.Lines, l => l.Contains("1 in the poison queue", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FiringAnHttpFunctionAsATimer_IsRefused()
    {
        await using var server = await FunctionsWorkerServer.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => server.Host.FireTimerAsync("Token"));
    }
}
