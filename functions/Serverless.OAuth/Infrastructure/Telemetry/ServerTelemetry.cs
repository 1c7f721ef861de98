using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Serverless.OAuth.Infrastructure.Telemetry;

/// <summary>
/// The server's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named <see cref="Name"/>: what an
/// operator watches (tokens issued, errors by reason, refresh reuse, sign-ins, the latency of storage, Key Vault and
/// signing) without reading logs. Static, like the runtime's own meters: instruments cost nothing until a listener
/// (an OpenTelemetry exporter) subscribes to the name.
/// Every tag has a bounded set of values: grant types, route paths, error codes, API identifiers and outcome words.
/// Never a user, a token, a code, a client secret or a client id (clients can be as many as registration allows).
/// </summary>
public static class ServerTelemetry
{
    public const string Name = "Serverless.OAuth";

    /// <summary>The refresh token reuse counter's name, which the infrastructure's reuse alert queries.</summary>
    public const string RefreshReuseInstrument = "oauth.refresh_token.reuse_detected";

    private static readonly string? Version = typeof(ServerTelemetry).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource Source = new(Name, Version);

    private static readonly Meter Meter = new(Name, Version);

    private static readonly Counter<long> TokensIssuedCounter = Meter.CreateCounter<long>(
        "oauth.tokens.issued", "{token}", "Access tokens issued, by grant type and API.");

    private static readonly Counter<long> ErrorsCounter = Meter.CreateCounter<long>(
        "oauth.errors", "{error}", "OAuth errors answered, by endpoint and error code.");

    private static readonly Counter<long> RefreshReuseCounter = Meter.CreateCounter<long>(
        RefreshReuseInstrument, "{event}", "Rotated refresh tokens presented again after the grace window: a stolen-token signal (RFC 9700 §4.14.2).");

    private static readonly Counter<long> FamiliesRevokedCounter = Meter.CreateCounter<long>(
        "oauth.grant_families.revoked", "{family}", "Authorizations revoked with all their tokens, by reason.");

    private static readonly Counter<long> SignInsCounter = Meter.CreateCounter<long>(
        "oauth.sign_ins", "{sign_in}", "Sign-in attempts on the login page, by result.");

    private static readonly Counter<long> ConsentsCounter = Meter.CreateCounter<long>(
        "oauth.consents", "{decision}", "Consent decisions on the login page, by decision.");

    private static readonly Counter<long> LockoutRefusalsCounter = Meter.CreateCounter<long>(
        "oauth.lockout.refusals", "{check}", "Password and secret checks not run, by key kind (user, address, registration) and reason: throttled (an address), locked (an account), busy (checks in flight held the allowance too long).");

    private static readonly Counter<long> ClientsRegisteredCounter = Meter.CreateCounter<long>(
        "oauth.clients.registered", "{client}", "Clients registered.");

    private static readonly Counter<long> ClientAuthenticationsCounter = Meter.CreateCounter<long>(
        "oauth.client_authentications", "{authentication}", "Client authentications at /token, /revoke and /introspect, by method and result.");

    private static readonly Histogram<double> StorageDuration = Meter.CreateHistogram<double>(
        "oauth.storage.duration", "s", "Duration of each Table Storage request (each retry counts), by table, method and status.");

    private static readonly Histogram<double> KeyVaultDuration = Meter.CreateHistogram<double>(
        "oauth.keyvault.duration", "s", "Duration of each Key Vault request (each retry counts), by operation and status.");

    private static readonly Histogram<double> SigningDuration = Meter.CreateHistogram<double>(
        "oauth.signing.duration", "s", "Time to sign one token, by algorithm and signing mode.");

    /// <param name="method">One of the client authentication methods (ClientCredentials): a bounded set.</param>
    public static void ClientAuthenticated(string method, bool succeeded) =>
        ClientAuthenticationsCounter.Add(1, new("method", method), new("result", succeeded ? "success" : "failure"));

    public static void TokenIssued(string grantType, string api) =>
        TokensIssuedCounter.Add(1, new("grant_type", grantType), new("api", api));

    /// <param name="endpoint">The route's path, e.g. "/token": bounded, because only the contract's routes reach the handlers.</param>
    public static void Error(string endpoint, string error) =>
        ErrorsCounter.Add(1, new("endpoint", endpoint), new("error", error));

    public static void FamilyRevoked(FamilyRevocationReason reason)
    {
        if (reason == FamilyRevocationReason.RefreshTokenReuse)
        {
            RefreshReuseCounter.Add(1);
        }

        FamiliesRevokedCounter.Add(1, new KeyValuePair<string, object?>("reason", ReasonTag(reason)));
    }

    public static void SignIn(SignInResult result) =>
        SignInsCounter.Add(1, new KeyValuePair<string, object?>("result", result switch
        {
            SignInResult.Succeeded => "succeeded",
            SignInResult.Failed => "failed",
            _ => "locked_out",
        }));

    public static void Consent(bool granted) =>
        ConsentsCounter.Add(1, new KeyValuePair<string, object?>("decision", granted ? "granted" : "denied"));

    /// <param name="keyKind">The lockout key's kind, never its id.</param>
    /// <param name="reason">"throttled", "locked" or "busy".</param>
    public static void LockoutRefused(string keyKind, string reason) =>
        LockoutRefusalsCounter.Add(1, new("key_kind", keyKind), new("reason", reason));

    public static void ClientRegistered() => ClientsRegisteredCounter.Add(1);

    public static void StorageCall(string table, string method, int status, TimeSpan duration) =>
        StorageDuration.Record(duration.TotalSeconds, new("table", table), new("method", method), new("status", status));

    public static void KeyVaultCall(string operation, int status, TimeSpan duration) =>
        KeyVaultDuration.Record(duration.TotalSeconds, new("operation", operation), new("status", status));

    public static void Signed(string algorithm, string mode, TimeSpan duration) =>
        SigningDuration.Record(duration.TotalSeconds, new("alg", algorithm), new("mode", mode));

    /// <summary>A span for one grant of the token endpoint; the name is one of a fixed few.</summary>
    public static Activity? StartGrant(string grantType) => Source.StartActivity(grantType switch
    {
        Protocol.GrantTypes.AuthorizationCode => "oauth.grant authorization_code",
        Protocol.GrantTypes.RefreshToken => "oauth.grant refresh_token",
        Protocol.GrantTypes.ClientCredentials => "oauth.grant client_credentials",
        _ => "oauth.grant",
    });

    internal static string ReasonTag(FamilyRevocationReason reason) => reason switch
    {
        FamilyRevocationReason.CodeReplay => "code_replay",
        FamilyRevocationReason.RefreshTokenReuse => "refresh_token_reuse",
        FamilyRevocationReason.RevokedByUser => "revoked_by_user",
        _ => "revoked_by_client",
    };
}

public enum SignInResult
{
    Succeeded,
    Failed,
    LockedOut,
}

/// <summary>Why an authorization and all its tokens were revoked.</summary>
public enum FamilyRevocationReason
{
    /// <summary>An authorization code was presented again (RFC 6749 §4.1.2).</summary>
    CodeReplay,

    /// <summary>A rotated refresh token was presented after the grace window (RFC 9700 §4.14.2).</summary>
    RefreshTokenReuse,

    /// <summary>The client revoked a refresh token (RFC 7009).</summary>
    RevokedByClient,

    /// <summary>The user withdrew their consent to the client on the account page.</summary>
    RevokedByUser,
}
