using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Endpoints;

/// <summary>Event ids of the sign-in's log entries.</summary>
public static class SignInEvents
{
    public static readonly EventId Failed = new(4001, "SignInFailed");
}
