using System.Globalization;

namespace Serverless.OAuth.Signing.KeyVault;

/// <summary>
/// The fixed rotation periods of KeyVaultWrapped mode, counted from the Unix epoch, and the partition each period's key
/// lives in. The partition is derived from the period alone, so instances that race to create a period's key all try
/// the same row, and an insert that fails when the row exists lets exactly one of them win.
/// </summary>
public static class RotationSchedule
{
    public static DateTimeOffset PeriodStart(DateTimeOffset now, TimeSpan interval)
    {
        var elapsed = (now - DateTimeOffset.UnixEpoch).Ticks;
        return DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(elapsed - (elapsed % interval.Ticks));
    }

    public static string ScheduledPartition(DateTimeOffset periodStart) =>
        "p" + periodStart.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    /// <summary>A key made by the rotation command, outside the schedule: unique, and sorted by its creation.</summary>
    public static string ManualPartition(DateTimeOffset createdAt) =>
        "m" + createdAt.UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
}
