using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Infrastructure.Telemetry;

/// <summary>
/// The audit trail: each security event written once, as a structured log with a stable event id (defined in
/// <see cref="EventIds"/>; alert and query on the id, not on the text) and counted on <see cref="ServerTelemetry"/>. Properties are
/// identifiers only (client id, subject, family id, key id), never a secret, token, code, password or session id,
/// and never the username typed into a failed sign-in, which is sometimes a password.
/// </summary>
public static partial class AuditEvents
{

    public static void SignInSucceeded(ILogger logger, string clientId, string subject)
    {
        ServerTelemetry.SignIn(SignInResult.Succeeded);
        LogSignInSucceeded(logger, clientId, subject);
    }

    public static void SignInFailed(ILogger logger, string clientId)
    {
        ServerTelemetry.SignIn(SignInResult.Failed);
        LogSignInFailed(logger, clientId);
    }

    public static void SignInLockedOut(ILogger logger, string clientId)
    {
        ServerTelemetry.SignIn(SignInResult.LockedOut);
        LogSignInLockedOut(logger, clientId);
    }

    public static void ConsentGranted(ILogger logger, string clientId, string subject, string scope)
    {
        ServerTelemetry.Consent(granted: true);
        LogConsentGranted(logger, clientId, subject, scope);
    }

    public static void ConsentDenied(ILogger logger, string clientId)
    {
        ServerTelemetry.Consent(granted: false);
        LogConsentDenied(logger, clientId);
    }

    public static void FamilyRevoked(ILogger logger, string familyId, FamilyRevocationReason reason)
    {
        ServerTelemetry.FamilyRevoked(reason);
        if (reason == FamilyRevocationReason.RevokedByClient)
        {
            LogFamilyRevokedByClient(logger, familyId);
        }
        else if (reason == FamilyRevocationReason.RevokedByUser)
        {
            // Counted here; the one audit event is the consent withdrawal that revoked it (ConsentWithdrawn).
        }
        else
        {
            LogFamilyRevokedForReuse(logger, familyId, ServerTelemetry.ReasonTag(reason));
        }
    }

    /// <summary>The user withdrew the consent they gave a client; <paramref name="families"/> grant families were revoked with it.</summary>
    public static void ConsentWithdrawn(ILogger logger, string clientId, string subject, int families) =>
        LogConsentWithdrawn(logger, clientId, subject, families);

    /// <summary>A sign-in session was ended by the user. Neither the session id nor the cookie value is logged.</summary>
    public static void SessionEnded(ILogger logger, string subject) => LogSessionEnded(logger, subject);

    public static void ClientRegistered(ILogger logger, string clientId, string clientType)
    {
        ServerTelemetry.ClientRegistered();
        LogClientRegistered(logger, clientId, clientType);
    }

    /// <summary>A new signing key was made; it signs from <paramref name="signsFrom"/> (after it has been published).</summary>
    public static void SigningKeyRotated(ILogger logger, string keyId, string algorithm, DateTimeOffset signsFrom) =>
        LogSigningKeyRotated(logger, keyId, algorithm, signsFrom);

    [LoggerMessage(EventId = EventIds.SignInSucceeded, EventName = "SignInSucceeded", Level = LogLevel.Information,
        Message = "Sign-in succeeded for subject {Subject} at client {ClientId}")]
    private static partial void LogSignInSucceeded(ILogger logger, string clientId, string subject);

    [LoggerMessage(EventId = EventIds.SignInFailed, EventName = "SignInFailed", Level = LogLevel.Information,
        Message = "Sign-in failed at client {ClientId}")]
    private static partial void LogSignInFailed(ILogger logger, string clientId);

    [LoggerMessage(EventId = EventIds.SignInLockedOut, EventName = "SignInLockedOut", Level = LogLevel.Warning,
        Message = "Sign-in refused at client {ClientId}: the account is locked out after repeated failures")]
    private static partial void LogSignInLockedOut(ILogger logger, string clientId);

    [LoggerMessage(EventId = EventIds.ConsentGranted, EventName = "ConsentGranted", Level = LogLevel.Information,
        Message = "Subject {Subject} allowed client {ClientId} the scope {Scope}")]
    private static partial void LogConsentGranted(ILogger logger, string clientId, string subject, string scope);

    [LoggerMessage(EventId = EventIds.ConsentDenied, EventName = "ConsentDenied", Level = LogLevel.Information,
        Message = "The user denied client {ClientId}")]
    private static partial void LogConsentDenied(ILogger logger, string clientId);

    [LoggerMessage(EventId = EventIds.FamilyRevokedForReuse, EventName = "FamilyRevokedForReuse", Level = LogLevel.Warning,
        Message = "Revoked the authorization of family {FamilyId} and every token it issued: {Reason}")]
    private static partial void LogFamilyRevokedForReuse(ILogger logger, string familyId, string reason);

    [LoggerMessage(EventId = EventIds.FamilyRevokedByClient, EventName = "FamilyRevokedByClient", Level = LogLevel.Information,
        Message = "The client revoked the authorization of family {FamilyId}")]
    private static partial void LogFamilyRevokedByClient(ILogger logger, string familyId);

    [LoggerMessage(EventId = EventIds.ConsentWithdrawn, EventName = "ConsentWithdrawn", Level = LogLevel.Information,
        Message = "Subject {Subject} withdrew the consent to client {ClientId}; {Families} authorizations revoked")]
    private static partial void LogConsentWithdrawn(ILogger logger, string clientId, string subject, int families);

    [LoggerMessage(EventId = EventIds.SessionEnded, EventName = "SessionEnded", Level = LogLevel.Information,
        Message = "Subject {Subject} ended a sign-in session")]
    private static partial void LogSessionEnded(ILogger logger, string subject);

    [LoggerMessage(EventId = EventIds.ClientRegistered, EventName = "ClientRegistered", Level = LogLevel.Information,
        Message = "Registered the {ClientType} client {ClientId}")]
    private static partial void LogClientRegistered(ILogger logger, string clientId, string clientType);

    [LoggerMessage(EventId = EventIds.SigningKeyRotated, EventName = "SigningKeyRotated", Level = LogLevel.Information,
        Message = "Made the {Algorithm} signing key {KeyId}; it signs from {SignsFrom}")]
    private static partial void LogSigningKeyRotated(ILogger logger, string keyId, string algorithm, DateTimeOffset signsFrom);
}
