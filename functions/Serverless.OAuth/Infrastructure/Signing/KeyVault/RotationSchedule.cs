using System.Globalization;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>
/// When KeyVaultWrapped mode makes the keys of one algorithm: fixed rotation periods counted from the Unix epoch, each
/// period's key in a partition derived from the period and the algorithm alone (so instances that race to create it
/// all try the same row, and exactly one insert wins), and the times of each key under the shared <see cref="KeyLifecycle"/>.
/// </summary>
public sealed class RotationSchedule(KeyLifecycle lifecycle, TimeSpan interval, string algorithm)
{
    /// <summary>The planned life of one key: its row, from when it signs, and when its last token has expired.</summary>
    public sealed record KeyTimes(string Partition, DateTimeOffset ActivatesAt, DateTimeOffset ExpiresAt);

    public static DateTimeOffset PeriodStart(DateTimeOffset now, TimeSpan interval)
    {
        var elapsed = (now - DateTimeOffset.UnixEpoch).Ticks;
        return DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(elapsed - (elapsed % interval.Ticks));
    }

    public static string ScheduledPartition(DateTimeOffset periodStart, string algorithm) =>
        "p" + periodStart.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-" + algorithm;

    public string ScheduledPartition(DateTimeOffset periodStart) => ScheduledPartition(periodStart, algorithm);

    /// <summary>A key made by the rotation command, outside the schedule: unique, and sorted by its creation.</summary>
    public static string ManualPartition(DateTimeOffset createdAt) =>
        "m" + createdAt.UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];

    public DateTimeOffset PeriodStart(DateTimeOffset now) => PeriodStart(now, interval);

    public DateTimeOffset NextPeriodStart(DateTimeOffset now) => PeriodStart(now, interval) + interval;

    /// <summary>The next period's key is made two refresh intervals ahead, so every instance publishes it before any signs with it.</summary>
    public DateTimeOffset PrepublishFrom(DateTimeOffset nextPeriodStart) => nextPeriodStart - 2 * lifecycle.PropagationDelay;

    /// <summary>A period's key, made at <paramref name="now"/>: it signs from the period's start, or once published when made late.</summary>
    public KeyTimes ForPeriod(DateTimeOffset periodStart, DateTimeOffset now) =>
        Times(ScheduledPartition(periodStart, algorithm), Max(lifecycle.ActivationOf(now), periodStart), periodStart + interval);

    /// <summary>A key made outside the schedule: it signs once published, until the next period's key takes over.</summary>
    public KeyTimes Manual(DateTimeOffset now) =>
        Times(ManualPartition(now), lifecycle.ActivationOf(now), NextPeriodStart(now));

    /// <summary>
    /// The key that signs: of the keys whose tokens would all expire while the key is still published, the one that
    /// activated last; when none has activated yet (first start, or a long idle), the one closest to activation.
    /// </summary>
    public WrappedSigningKeyEntity ChooseSigner(IReadOnlyList<WrappedSigningKeyEntity> rows, DateTimeOffset now)
    {
        var candidates = rows.Where(r => lifecycle.CanSign(r.ExpiresAt, now)).ToList();
        return candidates.Where(r => r.ActivatesAt <= now).OrderBy(r => r.ActivatesAt).ThenBy(r => r.CreatedAt).LastOrDefault()
            ?? candidates.OrderBy(r => r.ActivatesAt).ThenBy(r => r.CreatedAt).FirstOrDefault()
            ?? throw new InvalidOperationException("No signing key can sign a token now.");
    }

    /// <summary>The next time the choice of signer or the published keys can change: a key activating, stopping or expiring.</summary>
    public DateTimeOffset NextChange(IReadOnlyList<WrappedSigningKeyEntity> rows, DateTimeOffset now, DateTimeOffset validUntil)
    {
        foreach (var row in rows)
        {
            validUntil = Min(validUntil, row.ExpiresAt);
            if (row.ActivatesAt > now)
            {
                validUntil = Min(validUntil, row.ActivatesAt);
            }

            var lastSigning = row.ExpiresAt - lifecycle.TokenReach;
            if (lastSigning > now)
            {
                validUntil = Min(validUntil, lastSigning);
            }
        }

        return validUntil;
    }

    // A key may sign until one refresh interval past its planned retirement (when its successor came late).
    private KeyTimes Times(string partition, DateTimeOffset activatesAt, DateTimeOffset plannedRetirement) =>
        new(partition, activatesAt, lifecycle.UnpublishOf(Max(activatesAt, plannedRetirement) + lifecycle.PropagationDelay));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
