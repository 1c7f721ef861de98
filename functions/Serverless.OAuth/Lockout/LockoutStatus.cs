using Azure;

namespace Serverless.OAuth.Lockout;

/// <summary>What a lockout check found: how long the account stays locked, if it is, and the row of recorded failures.</summary>
public sealed record LockoutStatus(string Key, TimeSpan? LockedFor, ETag? RowETag)
{
    public bool IsLocked => LockedFor is not null;
}
