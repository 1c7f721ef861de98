using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Options;
using Serverless.OAuth.Storage;

namespace Serverless.OAuth.Lockout;

/// <summary>
/// Counts failed sign-ins per user and failed secrets per client in Table Storage, so the limit holds across every
/// instance, and locks the account for a bounded time once the limit is reached (see <see cref="LockoutOptions"/>).
/// Updates are conditional on the row's ETag; a lost race is retried, so concurrent failures are all counted.
/// </summary>
public class FailedAttemptLockout(OAuthTables tables, ExpiryIndex expiryIndex, OAuthServerOptions options, TimeProvider clock, ILogger<FailedAttemptLockout> logger)
{
    private const string Row = "lockout";

    /// <summary>For mocking.</summary>
    protected FailedAttemptLockout() : this(null!, null!, new OAuthServerOptions(), TimeProvider.System, null!)
    {
    }

    public static string UserKey(string normalizedUsername) => "u:" + normalizedUsername;

    public static string ClientKey(string clientId) => "c:" + clientId;

    /// <summary>Whether the account is locked, and what a later success needs to clear (one read).</summary>
    public virtual async Task<LockoutStatus> CheckAsync(string key, CancellationToken cancellationToken = default)
    {
        var row = await ReadAsync(key, cancellationToken);
        var now = clock.GetUtcNow();
        TimeSpan? lockedFor = row?.GetDateTimeOffset("LockedUntil") is { } until && until > now ? until - now : null;
        return new LockoutStatus(key, lockedFor, row?.ETag);
    }

    /// <summary>Counts a failure; returns how long the account is now locked, or null.</summary>
    public virtual async Task<TimeSpan?> RecordFailureAsync(string key, CancellationToken cancellationToken = default)
    {
        var policy = options.Lockout;
        var table = await tables.GetAsync(OAuthTables.Lockouts, cancellationToken);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = clock.GetUtcNow();
            var row = await ReadAsync(key, cancellationToken);
            if (row?.GetDateTimeOffset("LockedUntil") is { } lockedUntil && lockedUntil > now)
            {
                return lockedUntil - now; // attempts during a lock neither count nor extend it
            }

            var inWindow = row?.GetDateTimeOffset("WindowStart") is { } start && start + policy.FailureWindow > now;
            var windowStart = inWindow ? row!.GetDateTimeOffset("WindowStart")!.Value : now;
            var failures = inWindow ? (row!.GetInt32("Failures") ?? 0) + 1 : 1;
            var consecutiveLocks = row?.GetInt32("ConsecutiveLocks") ?? 0;
            DateTimeOffset? locked = null;
            if (failures >= policy.MaxFailures)
            {
                var duration = TimeSpan.FromTicks(Math.Min(policy.LockDuration.Ticks * (1L << Math.Min(consecutiveLocks, 16)), policy.MaxLockDuration.Ticks));
                locked = now + duration;
                consecutiveLocks++;
                failures = 0;
                windowStart = now;
            }

            // The row outlives its lock by a window, so consecutive locks are remembered; then the purge removes it.
            var expiresAt = (locked ?? now) + policy.FailureWindow + policy.MaxLockDuration;
            var entity = new TableEntity(key, Row)
            {
                ["Failures"] = failures,
                ["WindowStart"] = windowStart,
                ["LockedUntil"] = locked,
                ["ConsecutiveLocks"] = consecutiveLocks,
                ["ExpiresAt"] = expiresAt,
            };
            try
            {
                await expiryIndex.AddAsync(OAuthTables.Lockouts, key, expiresAt, cancellationToken);
                if (row is null)
                {
                    await table.AddEntityAsync(entity, cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                if (locked is not null)
                {
                    logger.LogWarning("Locked {Account} until {LockedUntil} after repeated failures", key, locked);
                }

                return locked - now;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another failure was recorded at the same moment: read again and count this one on top.
            }
        }

        return null;
    }

    /// <summary>
    /// A success clears the failures the check found; when it found none (the usual case), there is nothing to do and
    /// no round trip. A running lock stays (it is checked before the password).
    /// </summary>
    public virtual async Task RecordSuccessAsync(LockoutStatus status, CancellationToken cancellationToken = default)
    {
        if (status.RowETag is not { } etag || status.IsLocked)
        {
            return;
        }

        // Conditional on the ETag: a failure recorded meanwhile is not wiped out. The SDK answers 404 without throwing.
        var table = await tables.GetAsync(OAuthTables.Lockouts, cancellationToken);
        try
        {
            await table.DeleteEntityAsync(status.Key, Row, etag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
        }
    }

    private async Task<TableEntity?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(OAuthTables.Lockouts, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(key, Row, cancellationToken: cancellationToken);
        return response.HasValue && response.Value!.GetDateTimeOffset("ExpiresAt") > clock.GetUtcNow() ? response.Value : null;
    }
}
