using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Assertions;

/// <summary>
/// Log events of client assertions, token exchange and the JWT-bearer grant (event ids 5400-5499). Properties are
/// identifiers and reasons only, never an assertion or a token.
/// </summary>
public static partial class AssertionEvents
{
    public const int AssertionRefusedId = 5400;
    public const int JwksUnavailableId = 5401;
    public const int TokenExchangedId = 5402;
    public const int JwtBearerRefusedId = 5403;

    [LoggerMessage(EventId = AssertionRefusedId, Level = LogLevel.Information,
        Message = "Client assertion for {ClientId} refused: {Reason}")]
    public static partial void AssertionRefused(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = JwksUnavailableId, Level = LogLevel.Warning,
        Message = "The JWK Set of client {ClientId} could not be used: {Reason}")]
    public static partial void JwksUnavailable(ILogger logger, string clientId, string reason);

    [LoggerMessage(EventId = TokenExchangedId, Level = LogLevel.Information,
        Message = "Token exchanged by {ClientId} for {Subject}: {From} to {To}")]
    public static partial void TokenExchanged(ILogger logger, string clientId, string subject, string from, string to);

    [LoggerMessage(EventId = JwtBearerRefusedId, Level = LogLevel.Information,
        Message = "JWT-bearer grant for {ClientId} refused: {Reason}")]
    public static partial void JwtBearerRefused(ILogger logger, string clientId, string reason);
}
