using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Identity.Upstream;

/// <summary>
/// The audit events of upstream sign-in (their ids are in <see cref="EventIds"/>) and its counter, oauth.upstream.sign_ins by provider (a
/// configured name: bounded) and result (one of <see cref="Results"/>). Identifiers only: the provider, the local
/// subject, the client; never an upstream token, code, state or the e-mail address.
/// </summary>
public static partial class UpstreamEvents
{
    /// <summary>The results the counter and the refusal event carry.</summary>
    public static class Results
    {
        public const string Succeeded = "succeeded";
        public const string Cancelled = "cancelled";
        public const string UpstreamError = "upstream_error";
        public const string InvalidState = "invalid_state";
        public const string MixUp = "mix_up";
        public const string OtherBrowser = "other_browser";
        public const string InvalidToken = "invalid_token";
        public const string NotAllowed = "not_allowed";
    }

    private static readonly Meter Meter = new(ServerTelemetry.Name);

    private static readonly Counter<long> SignIns = Meter.CreateCounter<long>(
        "oauth.upstream.sign_ins", "{sign_in}", "Sign-ins through an upstream identity provider, by provider and result.");

    public static void Succeeded(ILogger logger, string provider, string clientId, string subject)
    {
        SignIns.Add(1, new("provider", provider), new("result", Results.Succeeded));
        LogSucceeded(logger, provider, clientId, subject);
    }

    public static void Refused(ILogger logger, string provider, string result)
    {
        SignIns.Add(1, new("provider", provider), new("result", result));
        LogRefused(logger, provider, result);
    }

    [LoggerMessage(EventId = EventIds.UpstreamSignInSucceeded, EventName = "UpstreamSignInSucceeded", Level = LogLevel.Information,
        Message = "Signed in through {Provider} to {ClientId} as {Subject}")]
    private static partial void LogSucceeded(ILogger logger, string provider, string clientId, string subject);

    [LoggerMessage(EventId = EventIds.UpstreamSignInRefused, EventName = "UpstreamSignInRefused", Level = LogLevel.Warning,
        Message = "A sign-in through {Provider} was refused: {Result}")]
    private static partial void LogRefused(ILogger logger, string provider, string result);

    [LoggerMessage(EventId = EventIds.UpstreamAccountCreated, EventName = "UpstreamAccountCreated", Level = LogLevel.Information,
        Message = "Created account {Subject} on a first sign-in through {Provider}")]
    public static partial void AccountCreated(ILogger logger, string provider, string subject);

    [LoggerMessage(EventId = EventIds.UpstreamIdentityLinked, EventName = "UpstreamIdentityLinked", Level = LogLevel.Information,
        Message = "Linked an identity of {Provider} to account {Subject}")]
    public static partial void IdentityLinked(ILogger logger, string provider, string subject);
}
