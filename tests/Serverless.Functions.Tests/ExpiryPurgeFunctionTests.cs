using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Serverless.Functions.Maintenance;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.Functions.Tests;

/// <summary>The timer function runs the purge and reports its counts, without naming what it deleted.</summary>
public sealed class ExpiryPurgeFunctionTests
{
    [Fact]
    public async Task TheTimer_PurgesExpiredRows_AndLogsTheCounts()
    {
        await using var services = await OAuthTestServices.CreateAsync();
        var store = new PurgeFixture(services);
        var expired = await store.CreateCodesAsync(2, TimeSpan.FromSeconds(30));
        var live = await store.CreateCodesAsync(1, TimeSpan.FromHours(1));
        services.Clock.Advance(TimeSpan.FromMinutes(2));
        var logger = new CapturingLogger<ExpiryPurgeFunction>();
        var function = new ExpiryPurgeFunction(services.Get<ExpiryPurge>(), logger);

        await function.RunAsync(new TimerInfo { IsPastDue = true }, CancellationToken.None);

        Assert.Equal(live.Select(f => (f, "code")).ToHashSet(), await store.RowsAsync(OAuthTables.Grants));
        var entry = Assert.Single(logger.Entries, e => e.Level == LogLevel.Information);
        Assert.Equal(2, entry.State["RowsDeleted"]);
        Assert.Equal(2, entry.State["IndexEntriesRead"]);
        Assert.Equal(true, entry.State["IsPastDue"]);
        Assert.All(expired.Concat(live), family => Assert.DoesNotContain(family, entry.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheTimer_StopsWhenCancelled()
    {
        await using var services = await OAuthTestServices.CreateAsync();
        var function = new ExpiryPurgeFunction(services.Get<ExpiryPurge>(), new CapturingLogger<ExpiryPurgeFunction>());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => function.RunAsync(new TimerInfo(), new CancellationToken(canceled: true)));
    }

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
