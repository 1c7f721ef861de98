using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.Functions.Maintenance;

/// <summary>
/// Deletes expired rows, spread over instances. The timer (PurgeSchedule, a six-field CRON expression; the host runs it
/// on one instance at a time) names the expiry index's due buckets, a minute's shard each, and queues one message per
/// bucket; the queue trigger purges a bucket wherever the platform runs it, and scales out with the queue's length.
/// A run reads only due index entries, so its cost follows what expired, not what is stored, and every purge is safe
/// beside any other (<see cref="ExpiryPurge"/>), so a message delivered twice or a late run does no harm.
/// </summary>
public sealed class ExpiryPurgeFunction(ExpiryPurge purge, PurgeQueue queue, ILogger<ExpiryPurgeFunction> logger)
{
    /// <summary>
    /// Messages sent at once by the timer: a run at full load queues a few hundred buckets (32 a minute per account),
    /// and one at a time would spend a round trip on each.
    /// </summary>
    private const int MaxConcurrentSends = 8;

    [Function("ExpiryPurge")]
    public async Task RunAsync([TimerTrigger("%PurgeSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        // Buckets of the last run still queued: the purge is behind. Queuing them again would only make instances
        // purge the same buckets side by side; what is still due when the queue is empty is queued by a later run.
        // Poisoned buckets (their purge failed every try) are reported for the backlog alert; being still due, they
        // are queued again like any other.
        var (waiting, poisoned) = await queue.CountAsync(cancellationToken);
        var queued = 0;
        if (waiting == 0)
        {
            await Parallel.ForEachAsync(
                purge.DueBucketsAsync(cancellationToken),
                new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentSends, CancellationToken = cancellationToken },
                async (bucket, token) =>
                {
                    await queue.SendAsync(bucket, token);
                    Interlocked.Increment(ref queued);
                });
        }

        logger.LogInformation(
            EventIds.PurgeRun,
            "Expiry purge queued {BucketsQueued} due buckets ({BucketsWaiting} of an earlier run still waiting, {BucketsPoisoned} in the poison queue; past due: {IsPastDue})",
            queued, waiting, poisoned, timer.IsPastDue);
    }

    [Function("ExpiryPurgeBucket")]
    public async Task PurgeBucketAsync([QueueTrigger("%PurgeQueueName%")] string message, CancellationToken cancellationToken)
    {
        if (PurgeQueue.Read(message) is not { } bucket)
        {
            // Not one of the timer's messages: retrying would fail the same way, so it is dropped.
            logger.LogWarning(EventIds.PurgeBucketRun, "Expiry purge: dropping a queue message that names no bucket");
            return;
        }

        var result = await purge.PurgeBucketAsync(bucket, cancellationToken);
        logger.LogInformation(
            EventIds.PurgeBucketRun,
            "Expiry purge deleted {RowsDeleted} expired rows of bucket {Bucket} in account {Account}: {IndexEntriesRead} index entries and {RowsRead} rows read, {PartitionsRescheduled} partitions rescheduled",
            result.RowsDeleted, bucket.Bucket, bucket.Account, result.IndexEntriesRead, result.RowsRead, result.PartitionsRescheduled);
    }
}
