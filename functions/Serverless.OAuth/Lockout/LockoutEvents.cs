using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Lockout;

/// <summary>Event ids of the lockout's log entries.</summary>
public static class LockoutEvents
{
    public static readonly EventId Locked = new(4101, "LockoutLocked");
    public static readonly EventId Contended = new(4102, "LockoutContended");
}
