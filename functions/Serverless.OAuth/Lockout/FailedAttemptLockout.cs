using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Storage;

namespace Serverless.OAuth.Lockout;

/// <summary>
/// Brute-force protection for password and secret checks, counted in Table Storage so the limit holds across every
/// instance. Each check is reserved before it runs: the reservation counts as a failure, with an update conditional on
/// the row's ETag (a lost race is read again and retried), and the reservation that reaches the limit starts the lock.
/// So at most <see cref="LockoutOptions.MaxFailures"/> checks run per window per key, however the requests interleave.
/// A success releases its reservation: an account's success clears its failures; an address only gets its own back.
/// </summary>
public class FailedAttemptLockout(OAuthTables tables, ExpiryIndex expiryIndex, OAuthServerOptions options, TimeProvider clock, ILogger<FailedAttemptLockout> logger)
{
    private const string Row = "lockout";

    /// <summary>Rounds of conditional updates before a reservation gives up and refuses (fails closed).</summary>
    private const int MaxRounds = 32;

    /// <summary>For mocking.</summary>
    protected FailedAttemptLockout() : this(null!, null!, new OAuthServerOptions(), TimeProvider.System, null!)
    {
    }

    public LockoutKey UserKey(string normalizedUsername) => new(LockoutKey.User, normalizedUsername, options.Lockout, ClearOnSuccess: true);

    public LockoutKey ClientKey(string clientId) => new(LockoutKey.Client, clientId, options.Lockout, ClearOnSuccess: true);

    /// <summary>A client address (see <see cref="Http.ClientAddress"/>): its successes must not reset what it failed.</summary>
    public LockoutKey AddressKey(string address) => new(LockoutKey.Address, address, options.AddressLockout, ClearOnSuccess: false);

    /// <summary>
    /// Reserves an attempt under every key, in order, runs <paramref name="check"/> only when all of them granted one,
    /// and releases the reservations when it succeeds (or throws). A failed check keeps them: they are its failures.
    /// In order, so a later key (the address, shared by many accounts) is charged only for checks an earlier one (the
    /// account) lets through, and its row is not written by every refused guess.
    /// </summary>
    public virtual async Task<LockoutAttempt<T>> AttemptAsync<T>(
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
            logger.LogWarning(LockoutEvents.Locked, "Locked {LockoutKind} after repeated failures for {LockedFor}", locking.Key.Kind, locking.LockedFor);
        }

        return new LockoutAttempt<T>(null, locking?.Key, locking?.LockedFor, Checked: true);
    }

    /// <summary>Registrations from one client address (RFC 7591 §5): limited whether they succeed or not.</summary>
    public LockoutKey RegistrationKey(string address) => new(LockoutKey.Registration, address, options.DynamicRegistration.RateLimit, ClearOnSuccess: false);

    /// <summary>
    /// Counts an attempt that is limited whatever its outcome (a registration): reserved like a check, never given
    /// back. Null when it may go ahead; otherwise how long the key is refused.
    /// </summary>
    public virtual async Task<TimeSpan?> CountAsync(LockoutKey key, CancellationToken cancellationToken)
    {
        var reservation = await ReserveAsync(key, cancellationToken);
        return reservation.Granted ? null : reservation.LockedFor;
    }

    /// <summary>Counts one attempt, unless the key is locked; the attempt that reaches the limit starts the lock.</summary>
    private async Task<Reservation> ReserveAsync(LockoutKey key, CancellationToken cancellationToken)
    {
        var policy = key.Policy;
        var table = await tables.GetAsync(OAuthTables.Lockouts, cancellationToken);
        TableEntity? row = null;
        for (var round = 0; round < MaxRounds; round++)
        {
            var now = clock.GetUtcNow();
            var state = round == 0 ? LockoutState.None : LockoutState.Read(row, now);
            if (state.LockedUntil is { } lockedUntil && lockedUntil > now)
            {
                return Reservation.Refused(key, lockedUntil - now);
            }

            // A window that ran out, or a lock that ended, starts a new window; consecutive locks are remembered.
            var fresh = state.WindowStart is not { } start || start + policy.FailureWindow <= now || state.LockedUntil is not null;
            var next = new LockoutState(
                fresh ? 1 : state.Failures + 1,
                fresh ? now : state.WindowStart!.Value,
                null,
                state.ConsecutiveLocks);
            if (next.Failures >= policy.MaxFailures)
            {
                var duration = TimeSpan.FromTicks(Math.Min(policy.LockDuration.Ticks * (1L << Math.Min(next.ConsecutiveLocks, 16)), policy.MaxLockDuration.Ticks));
                next = next with { LockedUntil = now + duration, ConsecutiveLocks = next.ConsecutiveLocks + 1 };
            }

            try
            {
                var etag = await WriteAsync(table, key, row, next, now, cancellationToken);
                return new Reservation(key, true, next.LockedUntil - now, etag, next);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
            {
                // Another attempt was counted (or released, deleting the row: 404) at the same moment: read again and
                // count this one on top, after a short random pause so that many at once do not keep colliding.
                await Task.Delay(Backoff(round), cancellationToken);
                row = await ReadAsync(table, key, cancellationToken);
            }
        }

        logger.LogWarning(LockoutEvents.Contended, "A {LockoutKind} lockout row stayed contended; the attempt is refused", key.Kind);
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
        var table = await tables.GetAsync(OAuthTables.Lockouts, cancellationToken);
        var (state, etag) = (reservation.Written!, reservation.ETag);
        for (var round = 0; round < MaxRounds; round++)
        {
            var now = clock.GetUtcNow();
            if (state.WindowStart != reservation.Written!.WindowStart)
            {
                return; // The window this attempt was counted in is over: nothing of it is left to give back.
            }

            var failures = reservation.Key.ClearOnSuccess ? 0 : Math.Max(0, state.Failures - 1);
            var lifted = state.LockedUntil > now && failures < reservation.Key.Policy.MaxFailures;
            var next = state with
            {
                Failures = failures,
                LockedUntil = lifted ? null : state.LockedUntil,
                ConsecutiveLocks = reservation.Key.ClearOnSuccess ? 0 : lifted ? Math.Max(0, state.ConsecutiveLocks - 1) : state.ConsecutiveLocks,
            };
            try
            {
                if (next.Failures == 0 && next.ConsecutiveLocks == 0 && next.LockedUntil is null)
                {
                    await table.DeleteEntityAsync(reservation.Key.Partition, Row, etag, cancellationToken); // 404 answers without throwing
                }
                else
                {
                    await table.UpdateEntityAsync(ToEntity(reservation.Key, next, now), etag, TableUpdateMode.Replace, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Changed or deleted (404) by another attempt's release at the same moment: read again.
                await Task.Delay(Backoff(round), cancellationToken);
                var row = await ReadAsync(table, reservation.Key, cancellationToken);
                if (row is null)
                {
                    return;
                }

                (state, etag) = (LockoutState.Read(row, now), row.ETag);
            }
        }
    }

    /// <summary>Up to 1, 2, 4 ... 32 ms, at random: contention is between requests in flight at the same moment.</summary>
    private static TimeSpan Backoff(int round) => TimeSpan.FromMilliseconds(Random.Shared.Next(1 << Math.Min(round, 5)) + 1);

    /// <summary>Inserts the row (indexed for the purge first) or replaces the one read, conditional on its ETag.</summary>
    private async Task<ETag> WriteAsync(TableClient table, LockoutKey key, TableEntity? current, LockoutState next, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entity = ToEntity(key, next, now);
        if (current is null)
        {
            // Later updates only move the expiry later, so the entry written with the row stays at or before it.
            await expiryIndex.AddAsync(OAuthTables.Lockouts, key.Partition, entity.GetDateTimeOffset("ExpiresAt")!.Value, cancellationToken);
            return (await table.AddEntityAsync(entity, cancellationToken)).Headers.ETag!.Value;
        }

        return (await table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken)).Headers.ETag!.Value;
    }

    private TableEntity ToEntity(LockoutKey key, LockoutState state, DateTimeOffset now) => new(key.Partition, Row)
    {
        ["Failures"] = state.Failures,
        ["WindowStart"] = state.WindowStart,
        ["LockedUntil"] = state.LockedUntil,
        ["ConsecutiveLocks"] = state.ConsecutiveLocks,
        // The row outlives its lock by a window, so consecutive locks are remembered; then the purge removes it.
        ["ExpiresAt"] = (state.LockedUntil ?? now) + key.Policy.FailureWindow + key.Policy.MaxLockDuration,
    };

    /// <summary>The row as stored, expired or not: an expired one is replaced conditionally, like any other.</summary>
    private static async Task<TableEntity?> ReadAsync(TableClient table, LockoutKey key, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(key.Partition, Row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private sealed record Reservation(LockoutKey Key, bool Granted, TimeSpan? LockedFor, ETag ETag, LockoutState? Written)
    {
        public static Reservation Refused(LockoutKey key, TimeSpan lockedFor) => new(key, false, lockedFor, default, null);
    }

    private sealed record LockoutState(int Failures, DateTimeOffset? WindowStart, DateTimeOffset? LockedUntil, int ConsecutiveLocks)
    {
        public static readonly LockoutState None = new(0, null, null, 0);

        public static LockoutState Read(TableEntity? row, DateTimeOffset now) =>
            row is null || !(row.GetDateTimeOffset("ExpiresAt") > now)
                ? None
                : new(row.GetInt32("Failures") ?? 0, row.GetDateTimeOffset("WindowStart"), row.GetDateTimeOffset("LockedUntil"), row.GetInt32("ConsecutiveLocks") ?? 0);
    }
}
