using System.Globalization;
using Azure;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Identity.Lockout;

/// <summary>
/// Brute-force protection for password and secret checks, counted in Table Storage so the limit holds across every
/// instance. Each key's row holds its confirmed failures in the current window, its lock, and the checks in flight.
/// <list type="bullet">
/// <item>A check takes a lease before it runs, with an update conditional on the row's ETag (a lost race is read again
/// and retried), and only while failures plus leases stay under <see cref="LockoutOptions.MaxFailures"/>. So no more
/// checks run per window per key than the limit, however the requests interleave, and a guess cannot run while the
/// outcome of earlier ones is unknown.</item>
/// <item>A lease is not a failure. When the allowance is taken only by leases, the check waits for them to settle
/// (bounded, then it answers "busy", never "locked"). So concurrent correct checks run one after another instead of
/// being refused: only real failures lock a key.</item>
/// <item>The check settles its lease: a failure turns it into a counted failure (the one that reaches the limit starts
/// the lock); a success gives it back (and an account's success clears its failures); a check that did not run to an
/// answer (a dependency failed, the caller went away) just gives it back. A lease whose instance died ends after
/// <see cref="LeaseDuration"/>, so it cannot hold the allowance for longer.</item>
/// </list>
/// </summary>
public sealed class FailedAttemptLockout(OAuthTables tables, ExpiryIndex expiryIndex, OAuthServerOptions options, TimeProvider clock, ILogger<FailedAttemptLockout> logger) : ILockout
{
    private const string Row = "lockout";

    /// <summary>
    /// How long a check's lease holds its place when it is never settled (its instance stopped). Far longer than a
    /// check takes (a storage read and a password hash); a check still running after it is counted when it settles.
    /// </summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long, in pauses added up, a check waits for checks in flight to settle (or for its turn at a row many checks
    /// write at once) before it answers "busy".
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(15);

    private readonly ExpiringTable _lockouts = new(OAuthTables.Lockouts, tables, expiryIndex, clock, partitionsRecur: true);

    /// <summary>
    /// An account's success clears its failures; an address's does not, or one working account would reset a
    /// password spray from that address.
    /// </summary>
    private static bool ClearsOnSuccess(LockoutKey key) => key.Kind != LockoutKey.Address;

    private LockoutOptions PolicyOf(LockoutKey key) => key.Kind switch
    {
        LockoutKey.Address => options.AddressLockout,
        LockoutKey.Registration => options.DynamicRegistration.RateLimit,
        _ => options.Lockout,
    };

    /// <inheritdoc/>
    /// <remarks>
    /// The keys are reserved at once, not one after another: each reservation is its own round trip (or two, with the
    /// index entry of a new row), and a sign-in waits for the slowest, not for their sum. An address reserved while the
    /// account turns out locked is given back at once; so a refused guess writes the address row twice, a cost the
    /// guesser pays on its own address's row.
    /// </remarks>
    public async Task<LockoutAttempt<T>> AttemptAsync<T>(
        IReadOnlyList<LockoutKey> keys, Func<CancellationToken, Task<T?>> check, CancellationToken cancellationToken)
        where T : class
    {
        // The rows a first reservation inserts are indexed first, all in one entry transaction, at the earliest any of
        // them can expire (an entry may be early, never late: the purge reschedules a partition it finds live).
        var now = clock.GetUtcNow();
        await expiryIndex.EnsureAllAsync(
            OAuthTables.Lockouts, [.. keys.Select(key => key.Partition)], keys.Select(key => ExpiresAt(key, LockoutState.None, now)).Min(), now, cancellationToken);
        var reserving = keys.Select(key => ReserveAsync(key, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(reserving);
        }
        catch
        {
            // One reservation failed (storage, cancellation): give back those that were granted, then fail as it did.
            await SettleQuietlyAsync(reserving.Where(r => r.IsCompletedSuccessfully && r.Result.Lease is not null).Select(r => r.Result.Lease!), Outcome.NotRun);
            throw;
        }

        var reservations = reserving.Select(r => r.Result).ToArray();
        var leases = reservations.Where(r => r.Lease is not null).Select(r => r.Lease!).ToList();
        if (leases.Count < keys.Count)
        {
            await SettleQuietlyAsync(leases, Outcome.NotRun);

            // The first key in order that refused answers: the account before the address, a lock before "busy".
            var refusal = keys.Zip(reservations).Where(p => p.Second.Lease is null)
                .OrderBy(p => p.Second.LockedFor is null ? 1 : 0).First();
            Refused(refusal.First, refusal.Second);
            return new LockoutAttempt<T>(null, refusal.First, refusal.Second.LockedFor, Checked: false, Busy: refusal.Second.LockedFor is null);
        }

        T? value;
        try
        {
            value = await check(cancellationToken);
        }
        catch
        {
            // The check did not run to an answer (a dependency failed, the caller went away): that is no failed guess.
            await SettleQuietlyAsync(leases, Outcome.NotRun);
            throw;
        }

        if (value is not null)
        {
            await Task.WhenAll(leases.Select(l => SettleAsync(l, Outcome.Succeeded, cancellationToken)));
            return new LockoutAttempt<T>(value, null, null, Checked: true);
        }

        // A failed guess is counted even when the caller goes away now.
        var settled = await Task.WhenAll(leases.Select(l => SettleAsync(l, Outcome.Failed, CancellationToken.None)));
        var locking = leases.Zip(settled).FirstOrDefault(s => s.Second is not null);
        if (locking.First is { } lockingLease)
        {
            LogLocked(lockingLease.Key, locking.Second!.Value);
        }

        return new LockoutAttempt<T>(null, locking.First?.Key, locking.Second, Checked: true);
    }

    /// <summary>
    /// Counts an attempt that is limited whatever its outcome (a registration): a failure at once, never given back.
    /// Null when it may go ahead; otherwise how long the key is refused.
    /// </summary>
    public async Task<TimeSpan?> CountAsync(LockoutKey key, CancellationToken cancellationToken)
    {
        var policy = PolicyOf(key);
        var (state, etag) = (LockoutState.None, (ETag?)null);
        for (var round = 0; round < MaxContendedRounds; round++)
        {
            var now = clock.GetUtcNow();
            var current = state.Current(now, policy);
            if (current.LockedUntil is { } lockedUntil && lockedUntil > now)
            {
                Refused(key, new Reservation(null, lockedUntil - now));
                return lockedUntil - now;
            }

            var next = current.WithFailure(now, policy);
            if (await TryWriteAsync(key, etag, next, now, cancellationToken) is not null)
            {
                return null;
            }

            await Task.Delay(ContendedPause(round), cancellationToken);
            (state, etag) = await ReadAsync(key, cancellationToken);
        }

        return Contended(key, policy);
    }

    /// <summary>Takes a lease on the key, waiting while leases alone fill its allowance; refused when it is locked.</summary>
    private async Task<Reservation> ReserveAsync(LockoutKey key, CancellationToken cancellationToken)
    {
        var policy = PolicyOf(key);
        var waited = TimeSpan.Zero;
        var contended = 0;

        // The first try assumes no row (the common case: no failures, nothing in flight), which costs one write.
        var (state, etag) = (LockoutState.None, (ETag?)null);
        while (true)
        {
            var now = clock.GetUtcNow();
            var current = state.Current(now, policy);
            if (current.LockedUntil is { } lockedUntil && lockedUntil > now)
            {
                return new Reservation(null, lockedUntil - now);
            }

            TimeSpan pause;
            if (current.Failures + current.Leases.Count >= policy.MaxFailures)
            {
                // Not locked, so checks in flight hold the rest of the allowance: wait for their outcome.
                pause = WaitingPause(waited);
                waited += pause;
                if (waited > MaxWait)
                {
                    return new Reservation(null, null);
                }
            }
            else
            {
                var lease = new Lease(key, Guid.NewGuid().ToString("N")[..12], now + LeaseDuration);
                var next = current with { Leases = [.. current.Leases, lease.Entry] };
                if (await TryWriteAsync(key, etag, next, now, cancellationToken, indexed: true) is { } written)
                {
                    return new Reservation(lease with { State = next, ETag = written }, null);
                }

                // Lost a race to another check: the same wait budget, so a crowd of checks ends in "busy", never "locked"
                // (losing races to other checks says nothing about this one).
                pause = ContendedPause(++contended);
                waited += pause;
                if (waited > MaxWait)
                {
                    logger.LogWarning(EventIds.LockoutContended, "A {LockoutKind} lockout row stayed contended; the check was not run", key.Kind);
                    return new Reservation(null, null);
                }
            }

            await Task.Delay(pause, cancellationToken);
            (state, etag) = await ReadAsync(key, cancellationToken);
        }
    }

    /// <summary>Settles a lease; returns how long the key is now locked, when this failure locked it.</summary>
    private async Task<TimeSpan?> SettleAsync(Lease lease, Outcome outcome, CancellationToken cancellationToken)
    {
        var policy = PolicyOf(lease.Key);
        var (state, etag) = (lease.State, lease.ETag);
        // More rounds than a reservation's: a lease left unsettled holds its place until it ends.
        for (var round = 0; round < MaxContendedRounds * 4; round++)
        {
            var now = clock.GetUtcNow();
            var current = state.Current(now, policy) with { Leases = [.. state.Leases.Where(e => e.Id != lease.Id && e.Until > now)] };
            var wasLocked = current.LockedUntil > now;
            var next = outcome switch
            {
                // Counted even when its lease ran out: the check ran.
                Outcome.Failed => current.WithFailure(now, policy),
                Outcome.Succeeded when ClearsOnSuccess(lease.Key) => current with { Failures = 0, WindowStart = null, LockedUntil = null, ConsecutiveLocks = 0 },
                _ => current,
            };

            if (await TryWriteAsync(lease.Key, etag, next, now, cancellationToken) is not null)
            {
                return !wasLocked && next.LockedUntil is { } lockedUntil && lockedUntil > now ? lockedUntil - now : null;
            }

            await Task.Delay(ContendedPause(round), cancellationToken);
            (state, etag) = await ReadAsync(lease.Key, cancellationToken);
        }

        // Left as it is: an unsettled lease ends by itself; a failure not counted is the price of a row this contended.
        logger.LogWarning(EventIds.LockoutContended, "A {LockoutKind} lockout row stayed contended; a check was not settled", lease.Key.Kind);
        return null;
    }

    private async Task SettleQuietlyAsync(IEnumerable<Lease> leases, Outcome outcome)
    {
        try
        {
            await Task.WhenAll(leases.Select(l => SettleAsync(l, outcome, CancellationToken.None)));
        }
        catch (Exception e) when (e is DependencyUnavailableException or RequestFailedException or OperationCanceledException)
        {
            // Left in flight: the lease ends by itself. The original failure is what the caller needs to see.
        }
    }

    /// <summary>Rounds of conditional updates lost to other writers before a count or a settlement gives up.</summary>
    private const int MaxContendedRounds = 64;

    /// <summary>Up to 1, 2, 4 ... 32 ms, at random: contention is between requests in flight at the same moment.</summary>
    private static TimeSpan ContendedPause(int round) => TimeSpan.FromMilliseconds(Random.Shared.Next(1 << Math.Min(round, 5)) + 1);

    /// <summary>10 ms, growing to 100 ms, at random around it: a check in flight takes tens of milliseconds.</summary>
    private static TimeSpan WaitingPause(TimeSpan waited) =>
        TimeSpan.FromMilliseconds(Math.Min(100, 10 + waited.TotalMilliseconds / 10) * (0.5 + Random.Shared.NextDouble()));

    private TimeSpan Contended(LockoutKey key, LockoutOptions policy)
    {
        logger.LogWarning(EventIds.LockoutContended, "A {LockoutKind} lockout row stayed contended; the attempt is refused", key.Kind);
        return policy.LockDuration;
    }

    private void Refused(LockoutKey key, Reservation reservation)
    {
        var outcome = reservation.LockedFor is null ? "busy" : key.Kind == LockoutKey.Address ? "throttled" : "locked";
        ServerTelemetry.LockoutRefused(key.Kind, outcome);
        if (reservation.LockedFor is null)
        {
            logger.LogWarning(EventIds.LockoutBusy, "A {LockoutKind} check waited too long for checks in flight and was not run", key.Kind);
        }
    }

    private void LogLocked(LockoutKey key, TimeSpan lockedFor)
    {
        if (key.Kind == LockoutKey.Address)
        {
            logger.LogWarning(EventIds.LockoutThrottled, "Throttled an {LockoutKind} after repeated failures for {LockedFor}", key.Kind, lockedFor);
        }
        else
        {
            logger.LogWarning(EventIds.LockoutLocked, "Locked {LockoutKind} after repeated failures for {LockedFor}", key.Kind, lockedFor);
        }
    }

    private async Task<(LockoutState State, ETag? ETag)> ReadAsync(LockoutKey key, CancellationToken cancellationToken)
    {
        var row = await _lockouts.GetStoredAsync<LockoutEntity>(key.Partition, Row, cancellationToken);
        return row is null ? (LockoutState.None, null) : (_lockouts.IsLive(row) ? LockoutState.Read(row) : LockoutState.None, row.ETag);
    }

    /// <summary>
    /// Writes the key's next state, conditional on the version read (none: inserts, through the one write path that
    /// indexes it first, or, <paramref name="indexed"/>, after <see cref="AttemptAsync"/> indexed it; an empty state
    /// deletes the row). Null when another writer got there first.
    /// </summary>
    private async Task<ETag?> TryWriteAsync(LockoutKey key, ETag? version, LockoutState next, DateTimeOffset now, CancellationToken cancellationToken, bool indexed = false)
    {
        try
        {
            if (next.IsEmpty)
            {
                if (version is { } existing)
                {
                    await _lockouts.DeleteAsync(key.Partition, Row, existing, cancellationToken);
                }

                return default(ETag);
            }

            // Later updates only move the expiry later, so the entry written with the row stays at or before it.
            var entity = ToEntity(key, next, now);
            return version is { } read
                ? await _lockouts.ReplaceAsync(entity, read, cancellationToken)
                : indexed ? await _lockouts.AddIndexedAsync(entity, cancellationToken) : await _lockouts.AddAsync(entity, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
        {
            // Another check changed, inserted or deleted the row at the same moment.
            return null;
        }
    }

    private LockoutEntity ToEntity(LockoutKey key, LockoutState state, DateTimeOffset now) => new()
    {
        PartitionKey = key.Partition,
        RowKey = Row,
        Failures = state.Failures,
        WindowStart = state.WindowStart,
        LockedUntil = state.LockedUntil,
        ConsecutiveLocks = state.ConsecutiveLocks,
        Leases = LeaseEntry.Write(state.Leases),
        ExpiresAt = ExpiresAt(key, state, now),
    };

    /// <summary>The row outlives its lock by a window, so consecutive locks are remembered; then the purge removes it.</summary>
    private DateTimeOffset ExpiresAt(LockoutKey key, LockoutState state, DateTimeOffset now) =>
        (state.LockedUntil ?? now) + PolicyOf(key).FailureWindow + PolicyOf(key).MaxLockDuration;

    private enum Outcome
    {
        Succeeded,
        Failed,
        NotRun,
    }

    /// <summary>A lease granted (with the state and version written), or none: then locked for a time, or busy (null).</summary>
    private sealed record Reservation(Lease? Lease, TimeSpan? LockedFor);

    /// <summary>A check's place in a key's allowance: its entry in the row, and the row as this check wrote it.</summary>
    private sealed record Lease(LockoutKey Key, string Id, DateTimeOffset Until)
    {
        public LeaseEntry Entry => new(Id, Until);

        public LockoutState State { get; init; } = LockoutState.None;

        public ETag? ETag { get; init; }
    }

    private sealed record LeaseEntry(string Id, DateTimeOffset Until)
    {
        /// <summary>"id:ticks,id:ticks": at most MaxFailures of them, so the column stays small.</summary>
        public static string? Write(IReadOnlyList<LeaseEntry> leases) =>
            leases.Count == 0 ? null : string.Join(',', leases.Select(l => l.Id + ":" + l.Until.UtcTicks.ToString(CultureInfo.InvariantCulture)));

        public static IReadOnlyList<LeaseEntry> Read(string? column) =>
            string.IsNullOrEmpty(column)
                ? []
                : [.. column.Split(',').Select(entry => entry.Split(':')).Where(parts => parts.Length == 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out _))
                    .Select(parts => new LeaseEntry(parts[0], new DateTimeOffset(long.Parse(parts[1], CultureInfo.InvariantCulture), TimeSpan.Zero)))];
    }

    private sealed record LockoutState(int Failures, DateTimeOffset? WindowStart, DateTimeOffset? LockedUntil, int ConsecutiveLocks, IReadOnlyList<LeaseEntry> Leases)
    {
        public static readonly LockoutState None = new(0, null, null, 0, []);

        public bool IsEmpty => Failures == 0 && LockedUntil is null && ConsecutiveLocks == 0 && Leases.Count == 0;

        public static LockoutState Read(LockoutEntity row) =>
            new(row.Failures, row.WindowStart, row.LockedUntil, row.ConsecutiveLocks, LeaseEntry.Read(row.Leases));

        /// <summary>
        /// As it stands now: leases that ran out are gone, and a window that ran out, or a lock that ended, starts a
        /// new window (consecutive locks are remembered). A lock in force is left as it is.
        /// </summary>
        public LockoutState Current(DateTimeOffset now, LockoutOptions policy)
        {
            var leases = Leases.Where(l => l.Until > now).ToArray();
            if (LockedUntil > now)
            {
                return this with { Leases = leases };
            }

            var windowOpen = WindowStart is { } start && start + policy.FailureWindow > now && LockedUntil is null;
            return windowOpen
                ? this with { Leases = leases }
                : new LockoutState(0, null, null, ConsecutiveLocks, leases);
        }

        /// <summary>One more failure in the current window; the one that reaches the limit starts the lock, doubled per consecutive lock.</summary>
        public LockoutState WithFailure(DateTimeOffset now, LockoutOptions policy)
        {
            if (LockedUntil > now)
            {
                return this with { Failures = Failures + 1 }; // Counted, but a lock in force is neither extended nor restarted.
            }

            var next = this with { Failures = Failures + 1, WindowStart = WindowStart ?? now };
            if (next.Failures < policy.MaxFailures)
            {
                return next;
            }

            var duration = TimeSpan.FromTicks(Math.Min(policy.LockDuration.Ticks * (1L << Math.Min(ConsecutiveLocks, 16)), policy.MaxLockDuration.Ticks));
            return next with { LockedUntil = now + duration, ConsecutiveLocks = ConsecutiveLocks + 1 };
        }
    }

    /// <summary>One key's row: its failures in the current window, its lock, and the checks in flight.</summary>
    private sealed class LockoutEntity : ExpiringEntity
    {
        public int Failures { get; set; }

        public DateTimeOffset? WindowStart { get; set; }

        public DateTimeOffset? LockedUntil { get; set; }

        public int ConsecutiveLocks { get; set; }

        public string? Leases { get; set; }
    }
}
