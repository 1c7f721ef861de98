using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.Functions.Tests;

/// <summary>The purge timer, fired through the host emulator, runs in the real worker against Azurite.</summary>
public sealed class PurgeTimerThroughWorkerTests
{
    [Fact]
    public async Task FiringTheTimer_DeletesWhatExpired_AndKeepsWhatLives()
    {
        // The rows are written by the test's own core services with a clock an hour behind, so against the worker's
        // real clock the 30-second codes expired long ago and the two-hour one has an hour to go.
        var anHourAgo = new ManualClock(DateTimeOffset.UtcNow.AddHours(-1));
        await using var server = await FunctionsWorkerServer.StartAsync(coreServices: s => s.AddSingleton<TimeProvider>(anHourAgo));
        var rows = new PurgeFixture(server.Services, anHourAgo);
        var expired = await rows.CreateCodesAsync(3, TimeSpan.FromSeconds(30));
        var live = await rows.CreateCodesAsync(1, TimeSpan.FromHours(2));

        var outcome = await server.Host.FireTimerAsync("ExpiryPurge");

        Assert.True(outcome.Succeeded, outcome.Error + Environment.NewLine + server.Host.Output);
        Assert.Equal(live.Select(f => (f, "code")).ToHashSet(), await rows.RowsAsync(OAuthTables.Grants));
        Assert.Contains(server.Host.Output.Lines, l => l.Contains("Expiry purge deleted 3 expired rows", StringComparison.Ordinal));
        Assert.All(expired, family => Assert.DoesNotContain(server.Host.Output.Lines, l => l.Contains(family, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task FiringAnHttpFunctionAsATimer_IsRefused()
    {
        await using var server = await FunctionsWorkerServer.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => server.Host.FireTimerAsync("Token"));
    }
}
