using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Storage;
using Serverless.OAuth.Telemetry;

namespace Serverless.OAuth.Lockout;

/// <summary>
/// Brute-force protection for password and secret checks, counted in Table Storage so the limit holds across every
/// instance. Each check is reserved before it runs: the reservation counts as a failure, with an update conditional on
/// the row's ETag (a lost race is read again and retried), and the reservation that reaches the limit starts the lock.
/// So at most <see cref="LockoutOptions.MaxFailures"/> checks run per window per key, however the requests interleave.
/// A success releases its reservation: an account's success clears its failures; an address only gets its own back.
/// </summary>
public sealed class FailedAttemptLockout(OAuthTables tables, ExpiryIndex expiryIndex, OAuthServerOptions options, TimeProvider clock, ILogger<FailedAttemptLockout> logger) : ILockout
{
    private const string Row = "lockout";

    private readonly ExpiringTable _lockouts = new(OAuthTables.Lockouts, tables, expiryIndex, clock);

    /// <summary>Rounds of conditional updates before a reservation gives up and refuses (fails closed).</summary>
    private const int MaxRounds = 32;

    /// <summary>
    /// An account's success clears its failures; an address's gives back only its own reservation, or one working
    /// account would reset a password spray from that address.
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
    /// In order, so a later key (the address, shared by many accounts) is charged only for checks an earlier one (the
    /// account) lets through, and its row is not written by every refused guess.
    /// </remarks>
    public async Task<LockoutAttempt<T>> AttemptAsync<T>(
        IReadOnlyList<LockoutKey> keys, Func<CancellationToken, Task<T?>> check, CancellationToken cancellationToken)
        where T : class
    {
        var reservations = new List<Reservation>(keys.Count);
        foreach (var key in keys)
        {
            var reservation = await ReserveAsync(key, cancellationToken);
            if (!reservation.Granted)
            {
                await ReleaseAsync(reservations, cancellationToken);
                return new LockoutAttempt<T>(null, reservation.Key, reservation.LockedFor, Checked: false);
            }

            reservations.Add(reservation);
        }

        T? value;
        try
        {
            value = await check(cancellationToken);
        }
        catch
        {
            // The check did not run to an answer (a dependency failed): that is no failed guess.
            await ReleaseQuietlyAsync(reservations);
            throw;
        }

        if (value is not null)
        {
            await ReleaseAsync(reservations, cancellationToken);
            return new LockoutAttempt<T>(value, null, null, Checked: true);
        }

        var locking = reservations.FirstOrDefault(r => r.LockedFor is not null);
        if (locking is not null)
        {
            logger.LogWarning(EventIds.LockoutLocked, "Locked {LockoutKind} after repeated failures for {LockedFor}", locking.Key.Kind, locking.LockedFor);
        }

        return new LockoutAttempt<T>(null, locking?.Key, locking?.LockedFor, Checked: true);
    }

    /// <summary>
    /// Counts an attempt that is limited whatever its outcome (a registration): reserved like a check, never given
    /// back. Null when it may go ahead; otherwise how long the key is refused.
    /// </summary>
    public async Task<TimeSpan?> CountAsync(LockoutKey key, CancellationToken cancellationToken)
    {
        var reservation = await ReserveAsync(key, cancellationToken);
        return reservation.Granted ? null : reservation.LockedFor;
    }

    /// <summary>Counts one attempt, unless the key is locked; the attempt that reaches the limit starts the lock.</summary>
    private async Task<Reservation> ReserveAsync(LockoutKey key, CancellationToken cancellationToken)
    {
        var policy = PolicyOf(key);
        LockoutEntity? row = null;
        for (var round = 0; round < MaxRounds; round++)
        {
            var now = clock.GetUtcNow();
            var state = round == 0 || row is null || !_lockouts.IsLive(row) ? LockoutState.None : LockoutState.Read(row);
            if (state.LockedUntil is { } lockedUntil && lockedUntil > now)
            {
                return Reservation.Refused(key, lockedUntil - now);
            }

            // A window that ran out, or a lock that ended, starts a new window; consecutive locks are remembered.
            var openWindow = state.WindowStart is { } start && start + policy.FailureWindow > now && state.LockedUntil is null ? start : (DateTimeOffset?)null;
            var next = new LockoutState(
                openWindow is null ? 1 : state.Failures + 1,
                openWindow ?? now,
                null,
                state.ConsecutiveLocks);
            if (next.Failures >= policy.MaxFailures)
            {
                var duration = TimeSpan.FromTicks(Math.Min(policy.LockDuration.Ticks * (1L << Math.Min(next.ConsecutiveLocks, 16)), policy.MaxLockDuration.Ticks));
                next = next with { LockedUntil = now + duration, ConsecutiveLocks = next.ConsecutiveLocks + 1 };
            }

            try
            {
                var etag = await WriteAsync(key, row, next, now, cancellationToken);
                return new Reservation(key, true, next.LockedUntil - now, etag, next);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
            {
                // Another attempt was counted (or released, deleting the row: 404) at the same moment: read again and
                // count this one on top, after a short random pause so that many at once do not keep colliding.
                await Task.Delay(Backoff(round), cancellationToken);
                row = await _lockouts.GetStoredAsync<LockoutEntity>(key.Partition, Row, cancellationToken);
            }
        }

        logger.LogWarning(EventIds.LockoutContended, "A {LockoutKind} lockout row stayed contended; the attempt is refused", key.Kind);
        return Reservation.Refused(key, policy.LockDuration);
    }

    /// <summary>Gives reservations back after a success: an account is cleared, an address loses one failure.</summary>
    private async Task ReleaseAsync(IReadOnlyCollection<Reservation> reservations, CancellationToken cancellationToken) =>
        await Task.WhenAll(reservations.Select(r => ReleaseAsync(r, cancellationToken)));

    private async Task ReleaseQuietlyAsync(IReadOnlyCollection<Reservation> reservations)
    {
        try
        {
            await ReleaseAsync(reservations, CancellationToken.None);
        }
        catch (Exception e) when (e is DependencyUnavailableException or RequestFailedException or OperationCanceledException)
        {
            // Left counted: the safe side. The original failure is what the caller needs to see.
        }
    }

    private async Task ReleaseAsync(Reservation reservation, CancellationToken cancellationToken)
    {
        var (state, etag) = (reservation.Written, reservation.ETag);
        for (var round = 0; round < MaxRounds; round++)
        {
            var now = clock.GetUtcNow();
            if (state.WindowStart != reservation.Written.WindowStart)
            {
                return; // The window this attempt was counted in is over: nothing of it is left to give back.
            }

            var failures = ClearsOnSuccess(reservation.Key) ? 0 : Math.Max(0, state.Failures - 1);
            var lifted = state.LockedUntil > now && failures < PolicyOf(reservation.Key).MaxFailures;
            var next = state with
            {
                Failures = failures,
                LockedUntil = lifted ? null : state.LockedUntil,
                ConsecutiveLocks = ClearsOnSuccess(reservation.Key) ? 0 : lifted ? Math.Max(0, state.ConsecutiveLocks - 1) : state.ConsecutiveLocks,
            };
            try
            {
                if (next.Failures == 0 && next.ConsecutiveLocks == 0 && next.LockedUntil is null)
                {
                    await _lockouts.DeleteAsync(reservation.Key.Partition, Row, etag, cancellationToken);
                }
                else
                {
                    await _lockouts.ReplaceAsync(ToEntity(reservation.Key, next, now), etag, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Changed or deleted (404) by another attempt's release at the same moment: read again.
                await Task.Delay(Backoff(round), cancellationToken);
                var row = await _lockouts.GetStoredAsync<LockoutEntity>(reservation.Key.Partition, Row, cancellationToken);
                if (row is null)
                {
                    return;
                }

                (state, etag) = (_lockouts.IsLive(row) ? LockoutState.Read(row) : LockoutState.None, row.ETag);
            }
        }
    }

    /// <summary>Up to 1, 2, 4 ... 32 ms, at random: contention is between requests in flight at the same moment.</summary>
    private static TimeSpan Backoff(int round) => TimeSpan.FromMilliseconds(Random.Shared.Next(1 << Math.Min(round, 5)) + 1);

    /// <summary>Inserts the row (the one write path indexes it first) or replaces the one read, conditional on its ETag.</summary>
    private async Task<ETag> WriteAsync(LockoutKey key, LockoutEntity? current, LockoutState next, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Later updates only move the expiry later, so the entry written with the row stays at or before it.
        var entity = ToEntity(key, next, now);
        return current is null
            ? await _lockouts.AddAsync(entity, cancellationToken)
            : await _lockouts.ReplaceAsync(entity, current.ETag, cancellationToken);
    }

    private LockoutEntity ToEntity(LockoutKey key, LockoutState state, DateTimeOffset now) => new()
    {
        PartitionKey = key.Partition,
        RowKey = Row,
        Failures = state.Failures,
        WindowStart = state.WindowStart,
        LockedUntil = state.LockedUntil,
        ConsecutiveLocks = state.ConsecutiveLocks,
        // The row outlives its lock by a window, so consecutive locks are remembered; then the purge removes it.
        ExpiresAt = (state.LockedUntil ?? now) + PolicyOf(key).FailureWindow + PolicyOf(key).MaxLockDuration,
    };

    private sealed record Reservation(LockoutKey Key, bool Granted, TimeSpan? LockedFor, ETag ETag, LockoutState Written)
    {
        public static Reservation Refused(LockoutKey key, TimeSpan lockedFor) => new(key, false, lockedFor, default, LockoutState.None);
    }

    private sealed record LockoutState(int Failures, DateTimeOffset? WindowStart, DateTimeOffset? LockedUntil, int ConsecutiveLocks)
    {
        public static readonly LockoutState None = new(0, null, null, 0);

        public static LockoutState Read(LockoutEntity row) => new(row.Failures, row.WindowStart, row.LockedUntil, row.ConsecutiveLocks);
    }

    /// <summary>One key's row: its failures in the current window and its lock.</summary>
    private sealed class LockoutEntity : ExpiringEntity
    {
        public int Failures { get; set; }

        public DateTimeOffset? WindowStart { get; set; }

        public DateTimeOffset? LockedUntil { get; set; }

        public int ConsecutiveLocks { get; set; }
    }
}
