using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.Local;

/// <summary>Runs the expiry purge on a timer, as the Functions app's timer trigger does in Azure.</summary>
public sealed class PurgeTimer(ExpiryPurge purge, OAuthServerOptions options, TimeProvider clock, ILogger<PurgeTimer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Storage.PurgeInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var result = await purge.RunAsync(stoppingToken);
                logger.LogInformation(
                    "Expiry purge: {RowsDeleted} expired rows deleted ({IndexEntriesRead} index entries, {RowsRead} rows read, {PartitionsRescheduled} rescheduled)",
                    result.RowsDeleted, result.IndexEntriesRead, result.RowsRead, result.PartitionsRescheduled);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Storage away: the next tick tries again.
                logger.LogWarning("The expiry purge failed with {ExceptionType}; it runs again in {Interval}", e.GetType().Name, options.Storage.PurgeInterval);
            }
        }
    }
}
