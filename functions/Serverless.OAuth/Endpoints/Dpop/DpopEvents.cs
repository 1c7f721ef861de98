using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Endpoints.Dpop;

/// <summary>DPoP's log events: what was refused and why, never a proof, a token or a key's thumbprint.</summary>
public static partial class DpopEvents
{
    [LoggerMessage(EventId = EventIds.DpopProofRefused, EventName = nameof(EventIds.DpopProofRefused), Level = LogLevel.Information,
        Message = "DPoP proof refused at {Endpoint}: {Reason}")]
    public static partial void ProofRefused(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = EventIds.DpopBoundTokenRefused, EventName = nameof(EventIds.DpopBoundTokenRefused), Level = LogLevel.Information,
        Message = "DPoP-bound access token of client {ClientId} refused at {Endpoint}: {Reason}")]
    public static partial void BoundTokenRefused(ILogger logger, string clientId, string endpoint, string reason);
}
