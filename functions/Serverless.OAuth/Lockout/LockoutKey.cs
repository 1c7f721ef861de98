namespace Serverless.OAuth.Lockout;

/// <summary>
/// What failures are counted against: a user, a client, or a client address (and registrations per address) (see <see cref="Http.ClientAddress"/>).
/// The lockout applies each kind's limits (<see cref="ILockout"/>).
/// </summary>
public sealed record LockoutKey(string Kind, string Id)
{
    public const string User = "user";
    public const string Client = "client";
    public const string Address = "address";
    public const string Registration = "registration";

    public static LockoutKey ForUser(string normalizedUsername) => new(User, normalizedUsername);

    public static LockoutKey ForClient(string clientId) => new(Client, clientId);

    public static LockoutKey ForAddress(string address) => new(Address, address);

    /// <summary>Registrations from one client address (RFC 7591 §5), limited whether they succeed or not.</summary>
    public static LockoutKey ForRegistration(string address) => new(Registration, address);

    /// <summary>The lockout row's partition. Logs name only the <see cref="Kind"/>.</summary>
    public string Partition => Kind + ":" + Id;
}

/// <summary>
/// How an attempt went: <see cref="Value"/> when the check succeeded; otherwise, when a key is locked (before the check,
/// or by this failure), which one and for how long. <see cref="Checked"/> says whether the check ran at all.
/// </summary>
public sealed record LockoutAttempt<T>(T? Value, LockoutKey? LockedKey, TimeSpan? LockedFor, bool Checked)
    where T : class;
