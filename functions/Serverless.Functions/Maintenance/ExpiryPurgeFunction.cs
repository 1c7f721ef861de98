using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.Functions.Maintenance;

/// <summary>
/// Deletes expired rows on the schedule in the PurgeSchedule setting (a six-field CRON expression). A run reads only
/// the expiry index's due minutes, so its cost follows what expired, not what is stored; it is idempotent and safe
/// when instances overlap, so a late or repeated run does no harm.
/// </summary>
public sealed class ExpiryPurgeFunction(ExpiryPurge purge, ILogger<ExpiryPurgeFunction> logger)
{
    [Function("ExpiryPurge")]
    public async Task RunAsync([TimerTrigger("%PurgeSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var result = await purge.RunAsync(cancellationToken);
        logger.LogInformation(
            EventIds.PurgeRun,
            "Expiry purge deleted {RowsDeleted} expired rows: {IndexEntriesRead} index entries and {RowsRead} rows read, {PartitionsRescheduled} partitions rescheduled (past due: {IsPastDue})",
            result.RowsDeleted, result.IndexEntriesRead, result.RowsRead, result.PartitionsRescheduled, timer.IsPastDue);
    }
}
