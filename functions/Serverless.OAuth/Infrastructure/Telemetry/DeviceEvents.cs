using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Infrastructure.Telemetry;

/// <summary>
/// Log events of the device authorization grant (RFC 8628; ids 4541-4559 in <see cref="EventIds"/>). Properties are
/// client ids and subjects only: never a device code or a user code (a user code is a bearer secret while it lives).
/// </summary>
public static partial class DeviceEvents
{
    [LoggerMessage(EventId = EventIds.DeviceAuthorizationStarted, EventName = nameof(EventIds.DeviceAuthorizationStarted), Level = LogLevel.Information,
        Message = "Device authorization started by {ClientId}")]
    public static partial void Started(ILogger logger, string clientId);

    [LoggerMessage(EventId = EventIds.DeviceApproved, EventName = nameof(EventIds.DeviceApproved), Level = LogLevel.Information,
        Message = "Device authorization of {ClientId} approved by {Subject}")]
    public static partial void Approved(ILogger logger, string clientId, string subject);

    [LoggerMessage(EventId = EventIds.DeviceDenied, EventName = nameof(EventIds.DeviceDenied), Level = LogLevel.Information,
        Message = "Device authorization of {ClientId} denied by {Subject}")]
    public static partial void Denied(ILogger logger, string clientId, string subject);

    [LoggerMessage(EventId = EventIds.DeviceRedeemed, EventName = nameof(EventIds.DeviceRedeemed), Level = LogLevel.Information,
        Message = "Device authorization of {ClientId} for {Subject} redeemed")]
    public static partial void Redeemed(ILogger logger, string clientId, string subject);

    [LoggerMessage(EventId = EventIds.DevicePollSlowedDown, EventName = nameof(EventIds.DevicePollSlowedDown), Level = LogLevel.Information,
        Message = "Device of {ClientId} polled too fast: slow_down")]
    public static partial void SlowDown(ILogger logger, string clientId);

    [LoggerMessage(EventId = EventIds.DeviceApprovalNotGivenBack, EventName = nameof(EventIds.DeviceApprovalNotGivenBack), Level = LogLevel.Warning,
        Message = "A redemption of {ClientId}'s device authorization failed, and the approval could not be given back: the device must start again")]
    public static partial void ApprovalNotGivenBack(ILogger logger, string clientId);

    [LoggerMessage(EventId = EventIds.UserCodeRefused, EventName = nameof(EventIds.UserCodeRefused), Level = LogLevel.Warning,
        Message = "A user code was refused at the verification page: {Reason}")]
    public static partial void UserCodeRefused(ILogger logger, string reason);
}
