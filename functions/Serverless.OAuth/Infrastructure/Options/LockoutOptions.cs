namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// Brute-force protection for sign-ins and client secrets. After <see cref="MaxFailures"/> failures within
/// <see cref="FailureWindow"/>, the key (a user, or a client address) is locked for <see cref="LockDuration"/>, doubled for each
/// consecutive lock up to <see cref="MaxLockDuration"/>. Attempts during a lock neither count nor extend it, so an
/// attacker cannot lock anyone out for longer than that.
/// </summary>
public sealed class LockoutOptions
{
    public int MaxFailures { get; set; } = 5;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan LockDuration { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxLockDuration { get; set; } = TimeSpan.FromMinutes(30);
}
