using Azure.Storage.Queues;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Serverless.Functions.Maintenance;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.Functions.Tests;

/// <summary>
/// The purge's two functions against Azurite's tables and queue: the timer queues one message per due bucket and
/// reports its counts, the queue trigger purges the bucket its message names; neither names what it deleted.
/// </summary>
public sealed class ExpiryPurgeFunctionTests
{
    [Fact]
    public async Task TheTimer_QueuesEachDueBucketOnce_AndTheQueueTrigger_PurgesWhatEachNames()
    {
        await using var services = await OAuthTestServices.CreateAsync();
        var store = new PurgeFixture(services);
        var expired = await store.CreateCodesAsync(12, TimeSpan.FromSeconds(30));
        var live = await store.CreateCodesAsync(2, TimeSpan.FromHours(1));
        services.Clock.Advance(TimeSpan.FromMinutes(2));
        var dueBuckets = (await store.IndexEntriesAsync()).Where(e => expired.Any(f => e.Entry.EndsWith(f, StringComparison.Ordinal))).Select(e => e.Bucket).ToHashSet();
        var (queue, client) = await NewQueueAsync();
        var logger = new CapturingLogger<ExpiryPurgeFunction>();
        var function = new ExpiryPurgeFunction(services.Get<ExpiryPurge>(), queue, logger);

        await function.RunAsync(new TimerInfo { IsPastDue = true }, CancellationToken.None);

        var run = Assert.Single(logger.Entries, e => e.Level == LogLevel.Information);
        Assert.Equal(dueBuckets.Count, run.State["BucketsQueued"]);
        Assert.Equal(0, run.State["BucketsWaiting"]);
        Assert.Equal(0, run.State["BucketsPoisoned"]);
        Assert.Equal(true, run.State["IsPastDue"]);
        var messages = (await client.ReceiveMessagesAsync(32)).Value;
        Assert.Equal(dueBuckets.Order(StringComparer.Ordinal), messages.Select(m => PurgeQueue.Read(m.Body.ToString())!.Bucket).Order(StringComparer.Ordinal));
        Assert.All(messages, m => Assert.All(expired, f => Assert.DoesNotContain(f, m.Body.ToString(), StringComparison.Ordinal)));

        foreach (var message in messages)
        {
            await function.PurgeBucketAsync(message.Body.ToString(), CancellationToken.None);
        }

        Assert.Equal(live.Select(f => (f, "code")).ToHashSet(), await store.RowsAsync(OAuthTables.Grants));
        var purged = logger.Entries.Where(e => e.Level == LogLevel.Information).Skip(1).ToList();
        Assert.Equal(messages.Length, purged.Count);
        Assert.Equal(12, purged.Sum(e => (int)e.State["RowsDeleted"]!));
        Assert.All(logger.Entries, e => Assert.All(expired.Concat(live), f => Assert.DoesNotContain(f, e.Message, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TheTimer_QueuesNothing_WhileTheBucketsOfAnEarlierRunWait()
    {
        await using var services = await OAuthTestServices.CreateAsync();
        var store = new PurgeFixture(services);
        await store.CreateCodesAsync(3, TimeSpan.FromSeconds(30));
        services.Clock.Advance(TimeSpan.FromMinutes(2));
        var (queue, client) = await NewQueueAsync();
        var logger = new CapturingLogger<ExpiryPurgeFunction>();
        var function = new ExpiryPurgeFunction(services.Get<ExpiryPurge>(), queue, logger);

        await function.RunAsync(new TimerInfo(), CancellationToken.None);
        var queued = (int)logger.Entries[0].State["BucketsQueued"]!;
        await function.RunAsync(new TimerInfo(), CancellationToken.None);

        Assert.InRange(queued, 1, 3);
        Assert.Equal(0, logger.Entries[1].State["BucketsQueued"]);
        Assert.Equal(queued, logger.Entries[1].State["BucketsWaiting"]);
        Assert.Equal(queued, (await client.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"Account\":0}")]
    public async Task AMessageThatNamesNoBucket_IsDropped_WithAWarning(string message)
    {
        await using var services = await OAuthTestServices.CreateAsync();
        var (queue, _) = await NewQueueAsync();
        var logger = new CapturingLogger<ExpiryPurgeFunction>();

        await new ExpiryPurgeFunction(services.Get<ExpiryPurge>(), queue, logger).PurgeBucketAsync(message, CancellationToken.None);

        Assert.Equal(LogLevel.Warning, Assert.Single(logger.Entries).Level);
    }

    [Fact]
    public async Task TheTimer_StopsWhenCancelled()
    {
        await using var services = await OAuthTestServices.CreateAsync();
        var (queue, _) = await NewQueueAsync();
        var function = new ExpiryPurgeFunction(services.Get<ExpiryPurge>(), queue, new CapturingLogger<ExpiryPurgeFunction>());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => function.RunAsync(new TimerInfo(), new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task AQueueServiceThatWasAway_IsReachedOnTheNextRun()
    {
        await using var azurite = await AzuriteServer.StartQueueAsync();
        var queue = new PurgeQueue(Settings(("AzureWebJobsStorage", azurite.ConnectionString), ("PurgeQueueName", "purge")), () => throw new InvalidOperationException());
        await azurite.StopAsync();

        // The run gives up (here when its time is up, rather than after the SDK's retries).
        using (var runTime = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => queue.CountAsync(runTime.Token));
        }

        await azurite.RestartAsync();

        // Nothing of the failed run is kept: the queue is created and counted now.
        Assert.Equal((0, 0), await queue.CountAsync(CancellationToken.None));
    }

    [Fact]
    public void WithoutAQueueName_OrAQueueService_TheQueueIsRefused_SayingWhichSettingIsMissing()
    {
        var noName = Assert.Throws<InvalidOperationException>(() => new PurgeQueue(Settings(("AzureWebJobsStorage", "UseDevelopmentStorage=true")), () => throw new InvalidOperationException()));
        var noService = Assert.Throws<InvalidOperationException>(() => new PurgeQueue(Settings(("PurgeQueueName", "purge")), () => throw new InvalidOperationException()));

        Assert.Contains("PurgeQueueName", noName.Message, StringComparison.Ordinal);
        Assert.Contains("AzureWebJobsStorage__accountName", noService.Message, StringComparison.Ordinal);
    }

    /// <summary>A queue of the test's own on Azurite's Queue service, and a client of it to look inside.</summary>
    private static async Task<(PurgeQueue Queue, QueueClient Client)> NewQueueAsync()
    {
        var azurite = await AzuriteServer.SharedQueue;
        var name = "purge-" + Guid.NewGuid().ToString("N")[..12];
        var queue = new PurgeQueue(Settings(("AzureWebJobsStorage", azurite.ConnectionString), ("PurgeQueueName", name)), () => throw new InvalidOperationException("A connection string needs no credential."));
        // The queue is not created here: the timer's first run creates it, as on a first 'func start'.
        var client = new QueueClient(azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        return (queue, client);
    }

    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    private sealed record LogEntry(LogLevel Level, string Message, IReadOnlyDictionary<string, object?> State);

    private sealed class CapturingLogger<T> : ILogger<T>
    {
        public List<LogEntry> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            Entries.Add(new LogEntry(logLevel, formatter(state, exception), values.ToDictionary(v => v.Key, v => v.Value)));
        }
    }
}
