using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Lockout;

/// <summary>Event ids of the lockout's log entries.</summary>
public static class LockoutEvents
{
    /// <summary>An account (or another key but an address) was locked by repeated failures.</summary>
    public static readonly EventId Locked = new(4101, "LockoutLocked");
    public static readonly EventId Contended = new(4102, "LockoutContended");

    /// <summary>An address was throttled by repeated failures from it (not a lock of any account or client).</summary>
    public static readonly EventId Throttled = new(5200, "LockoutThrottled");

    /// <summary>A check waited too long for the checks in flight on its key and was not run.</summary>
    public static readonly EventId Busy = new(5201, "LockoutBusy");
}
