using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// The events of pushed authorization requests (RFC 9126), 4521-4539. A request_uri is never logged: it is a bearer
/// of the pushed request for its minute of life.
/// </summary>
public static partial class PushedAuthorizationEvents
{
    /// <summary>Why a request_uri (or a request that should have been pushed) was refused at /authorize.</summary>
    public static class Reasons
    {
        public const string Malformed = "malformed";
        public const string Unknown = "unknown_or_expired";
        public const string OtherClient = "other_client";
        public const string Used = "used";
        public const string OtherBrowser = "other_browser";
        public const string NoLongerValid = "no_longer_valid";
        public const string NotPushed = "not_pushed";
    }

    [LoggerMessage(EventId = EventIds.PushedRequestAccepted, EventName = "PushedRequestAccepted", Level = LogLevel.Information,
        Message = "Accepted a pushed authorization request from {ClientId}, valid for {Seconds} s")]
    public static partial void Accepted(ILogger logger, string clientId, int seconds);

    [LoggerMessage(EventId = EventIds.PushedRequestRefused, EventName = "PushedRequestRefused", Level = LogLevel.Information,
        Message = "Refused a pushed authorization request from {ClientId}: {Error}")]
    public static partial void Refused(ILogger logger, string? clientId, string error);

    [LoggerMessage(EventId = EventIds.RequestUriRefused, EventName = "RequestUriRefused", Level = LogLevel.Warning,
        Message = "Refused an authorization request of {ClientId}: {Reason}")]
    public static partial void RequestUriRefused(ILogger logger, string? clientId, string reason);
}
