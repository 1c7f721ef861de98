using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Clients.Assertions;

/// <summary>
/// Log events of client assertions, token exchange and the JWT-bearer grant (their ids are in <see cref="Telemetry.EventIds"/>). Properties are
/// identifiers and reasons only, never an assertion or a token.
/// </summary>
public static partial class AssertionEvents
{
    [LoggerMessage(EventId = EventIds.AssertionRefused, EventName = nameof(EventIds.AssertionRefused), Level = LogLevel.Information,
        Message = "Client assertion for {ClientId} refused: {Reason}")]
    public static partial void AssertionRefused(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = EventIds.JwksUnavailable, EventName = nameof(EventIds.JwksUnavailable), Level = LogLevel.Warning,
        Message = "The JWK Set of client {ClientId} could not be used: {Reason}")]
    public static partial void JwksUnavailable(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = EventIds.TokenExchanged, EventName = nameof(EventIds.TokenExchanged), Level = LogLevel.Information,
        Message = "Token exchanged by {ClientId} for {Subject}: {From} to {To}")]
    public static partial void TokenExchanged(ILogger logger, string clientId, string subject, string from, string to);

    [LoggerMessage(EventId = EventIds.JwtBearerRefused, EventName = nameof(EventIds.JwtBearerRefused), Level = LogLevel.Information,
        Message = "JWT-bearer grant for {ClientId} refused: {Reason}")]
    public static partial void JwtBearerRefused(ILogger logger, string clientId, string reason);
}
