using Serverless.OAuth.Options;

namespace Serverless.OAuth.Lockout;

/// <summary>
/// What failures are counted against (a user, a client, a client address) and under which limits. An account's
/// success clears its failures; an address's does not, or one working account would reset a password spray.
/// </summary>
public sealed record LockoutKey(string Kind, string Id, LockoutOptions Policy, bool ClearOnSuccess)
{
    public const string User = "user";
    public const string Client = "client";
    public const string Address = "address";
    public const string Registration = "registration";

    /// <summary>The lockout row's partition. Logs name only the <see cref="Kind"/>.</summary>
    public string Partition => Kind + ":" + Id;
}

/// <summary>
/// How an attempt went: <see cref="Value"/> when the check succeeded; otherwise, when a key is locked (before the check,
/// or by this failure), which one and for how long. <see cref="Checked"/> says whether the check ran at all.
/// </summary>
public sealed record LockoutAttempt<T>(T? Value, LockoutKey? LockedKey, TimeSpan? LockedFor, bool Checked)
    where T : class;
