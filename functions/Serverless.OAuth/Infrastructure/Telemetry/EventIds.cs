using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Infrastructure.Telemetry;

/// <summary>
/// Every event id the server logs with, in one place, so that an id is never used twice and the list in
/// docs/deploying-and-operating.md (Telemetry) can be checked against it. Alert and query on the id, not on the text.
/// The audit events (4001-4099) are <c>const</c> for <see cref="AuditEvents"/>' source-generated log methods.
/// Ranges: 4001-4099 audit, 4101-4199 lockout, 4201-4299 client registration and metadata documents, 4301-4399 APIs, 4401-4499 client assertions and token exchange (const for <c>AssertionEvents</c>),
/// 4501-4519 DPoP, 4521-4539 pushed authorization requests (const for <c>PushedAuthorizationEvents</c>), 4541-4559 the device authorization grant (const for <c>DeviceEvents</c>),
/// 4901-4999 request failures.
/// </summary>
public static class EventIds
{
    public const int SignInSucceeded = 4001;
    public const int SignInFailed = 4002;
    public const int SignInLockedOut = 4003;
    public const int ConsentGranted = 4011;
    public const int ConsentDenied = 4012;
    public const int ConsentWithdrawn = 4013;
    public const int FamilyRevokedForReuse = 4021;
    public const int FamilyRevokedByClient = 4022;
    public const int ClientRegistered = 4031;
    public const int SigningKeyRotated = 4041;
    public const int SessionEnded = 4051;
    public const int UpstreamSignInSucceeded = 4061;
    public const int UpstreamSignInRefused = 4062;
    public const int UpstreamAccountCreated = 4063;
    public const int UpstreamIdentityLinked = 4064;

    public static readonly EventId LockoutLocked = new(4101, nameof(LockoutLocked));
    public static readonly EventId LockoutContended = new(4102, nameof(LockoutContended));

    /// <summary>An address was throttled by repeated failures from it (not a lock of any account or client).</summary>
    public static readonly EventId LockoutThrottled = new(4103, nameof(LockoutThrottled));

    /// <summary>A check waited too long for the checks in flight on its key and was not run.</summary>
    public static readonly EventId LockoutBusy = new(4104, nameof(LockoutBusy));

    public static readonly EventId RegistrationRateLimited = new(4201, nameof(RegistrationRateLimited));
    public static readonly EventId ClientMetadataDocumentRefused = new(4211, nameof(ClientMetadataDocumentRefused));
    public static readonly EventId ClientMetadataDocumentFetched = new(4212, nameof(ClientMetadataDocumentFetched));
    public static readonly EventId ClientMetadataDocumentUnreachable = new(4213, nameof(ClientMetadataDocumentUnreachable));
    public static readonly EventId ClientMetadataDocumentServedStale = new(4214, nameof(ClientMetadataDocumentServedStale));

    /// <summary>Was 4201 as well, beside <see cref="RegistrationRateLimited"/>; an API event now has the 4300s.</summary>
    public static readonly EventId ApiSeedingDeferred = new(4301, nameof(ApiSeedingDeferred));

    public const int AssertionRefused = 4401;
    public const int JwksUnavailable = 4402;
    public const int TokenExchanged = 4403;
    public const int JwtBearerRefused = 4404;

    // DPoP (RFC 9449): 4501-4519.
    /// <summary>A DPoP proof was refused (the rule that failed; never the proof, a token or the key's thumbprint).</summary>
    public const int DpopProofRefused = 4501;

    /// <summary>A DPoP-bound token reached a resource as Bearer, without its key's proof, or with another key's.</summary>
    public const int DpopBoundTokenRefused = 4502;
    // Pushed authorization requests (RFC 9126): 4521-4539.
    public const int PushedRequestAccepted = 4521;
    public const int PushedRequestRefused = 4522;
    public const int RequestUriRefused = 4523;
    // The device authorization grant (RFC 8628): 4541-4559, const for DeviceEvents. Never a device code or user code.
    public const int DeviceAuthorizationStarted = 4541;
    public const int DeviceApproved = 4542;
    public const int DeviceDenied = 4543;
    public const int DeviceRedeemed = 4544;
    public const int DevicePollSlowedDown = 4545;
    public const int UserCodeRefused = 4546;
    public const int DeviceApprovalNotGivenBack = 4547;

    public static readonly EventId DependencyFailed = new(4901, nameof(DependencyFailed));
    public static readonly EventId UnexpectedException = new(4902, nameof(UnexpectedException));
    public static readonly EventId FunctionFailed = new(4903, nameof(FunctionFailed));
    // Worker and telemetry (issue 27, i27worker): 4921-4939.

    /// <summary>One run of the expiry purge's timer (the Functions app): the due buckets it queued, those of an earlier run still waiting, and whether it ran late; the purge backlog alert reads it.</summary>
    public static readonly EventId PurgeRun = new(4921, nameof(PurgeRun));

    /// <summary>One due bucket purged by the Functions app's queue trigger: what it read and deleted.</summary>
    public static readonly EventId PurgeBucketRun = new(4922, nameof(PurgeBucketRun));

    /// <summary>Every id above, for the test that no id is used twice and the docs name each.</summary>
    public static IReadOnlyList<EventId> All { get; } =
    [
        new(SignInSucceeded, nameof(SignInSucceeded)), new(SignInFailed, nameof(SignInFailed)), new(SignInLockedOut, nameof(SignInLockedOut)),
        new(ConsentGranted, nameof(ConsentGranted)), new(ConsentDenied, nameof(ConsentDenied)), new(ConsentWithdrawn, nameof(ConsentWithdrawn)),
        new(FamilyRevokedForReuse, nameof(FamilyRevokedForReuse)), new(FamilyRevokedByClient, nameof(FamilyRevokedByClient)),
        new(ClientRegistered, nameof(ClientRegistered)), new(SigningKeyRotated, nameof(SigningKeyRotated)), new(SessionEnded, nameof(SessionEnded)),
        new(UpstreamSignInSucceeded, nameof(UpstreamSignInSucceeded)), new(UpstreamSignInRefused, nameof(UpstreamSignInRefused)),
        new(UpstreamAccountCreated, nameof(UpstreamAccountCreated)), new(UpstreamIdentityLinked, nameof(UpstreamIdentityLinked)),
        LockoutLocked, LockoutContended, LockoutThrottled, LockoutBusy, RegistrationRateLimited, ClientMetadataDocumentRefused, ClientMetadataDocumentFetched, ClientMetadataDocumentUnreachable, ClientMetadataDocumentServedStale,
        ApiSeedingDeferred,
        new(AssertionRefused, nameof(AssertionRefused)), new(JwksUnavailable, nameof(JwksUnavailable)),
        new(TokenExchanged, nameof(TokenExchanged)), new(JwtBearerRefused, nameof(JwtBearerRefused)),
        new(DpopProofRefused, nameof(DpopProofRefused)), new(DpopBoundTokenRefused, nameof(DpopBoundTokenRefused)),
        new(PushedRequestAccepted, nameof(PushedRequestAccepted)), new(PushedRequestRefused, nameof(PushedRequestRefused)),
        new(RequestUriRefused, nameof(RequestUriRefused)),
        new(DeviceAuthorizationStarted, nameof(DeviceAuthorizationStarted)), new(DeviceApproved, nameof(DeviceApproved)),
        new(DeviceDenied, nameof(DeviceDenied)), new(DeviceRedeemed, nameof(DeviceRedeemed)),
        new(DevicePollSlowedDown, nameof(DevicePollSlowedDown)), new(UserCodeRefused, nameof(UserCodeRefused)),
        new(DeviceApprovalNotGivenBack, nameof(DeviceApprovalNotGivenBack)),
        DependencyFailed, UnexpectedException, FunctionFailed,
        PurgeRun, PurgeBucketRun,
    ];
}
