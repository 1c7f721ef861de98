namespace Serverless.OAuth.Identity.Lockout;

/// <summary>
/// Brute-force protection around a password or secret check: the one sequence "reserve, check, release" that user
/// sign-in and client authentication share. An interface because their unit tests substitute it.
/// </summary>
public interface ILockout
{
    /// <summary>
    /// Reserves an attempt under every key, in order, runs <paramref name="check"/> only when all of them granted one,
    /// and releases the reservations when it succeeds (or throws). A failed check keeps them: they are its failures.
    /// </summary>
    Task<LockoutAttempt<T>> AttemptAsync<T>(IReadOnlyList<LockoutKey> keys, Func<CancellationToken, Task<T?>> check, CancellationToken cancellationToken)
        where T : class;

    /// <summary>
    /// Counts an attempt that is limited whatever its outcome (a registration): reserved like a check, never given
    /// back. Null when it may go ahead; otherwise how long the key is refused.
    /// </summary>
    Task<TimeSpan?> CountAsync(LockoutKey key, CancellationToken cancellationToken);
}
