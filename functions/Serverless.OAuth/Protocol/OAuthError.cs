namespace Serverless.OAuth.Protocol;

/// <summary>An OAuth error as a value (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009, RFC 7662); mapped to HTTP in one place.</summary>
public sealed record OAuthError(string Error, string? Description = null, string? Uri = null)
{
    /// <summary>Set when the request was refused for too many failed attempts: answered 429 with Retry-After.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// Set on an authorization request's error once the client and its redirect URI are verified: the error then goes
    /// back to the client by redirect, with the request's state (RFC 6749 §4.1.2.1). Unset, the user sees a page.
    /// </summary>
    public ErrorRedirect? Redirect { get; init; }

    /// <summary>
    /// The HTTP status this error is answered with, as a JSON error or as an error page alike: 429 when it carries
    /// Retry-After, 401 for a client or token that did not authenticate (RFC 6749 §5.2, RFC 6750 §3.1), 403 for
    /// insufficient_scope, 500 and 503 for the server's own failures, 400 for everything else.
    /// </summary>
    public int HttpStatus => RetryAfter is not null ? 429 : Error switch
    {
        OAuthErrorCodes.InvalidClient or OAuthErrorCodes.InvalidToken => 401,
        OAuthErrorCodes.InsufficientScope => 403,
        OAuthErrorCodes.ServerError => 500,
        OAuthErrorCodes.TemporarilyUnavailable => 503,
        _ => 400,
    };

    /// <summary>A DPoP nonce the client must put in its next proof (RFC 9449 §8): written as the DPoP-Nonce header.</summary>
    public string? DpopNonce { get; init; }

    /// <summary>This error, answered to a verified redirect URI in the request's response mode.</summary>
    public OAuthError RedirectedTo(string redirectUri, string? state, ResponseMode responseMode = ResponseMode.Query) =>
        this with { Redirect = new ErrorRedirect(redirectUri, state, responseMode) };

    /// <summary>
    /// RFC 6749 has no error code for throttling; invalid_request with HTTP 429 and Retry-After (RFC 6585 §4) says
    /// what happened and when to come back.
    /// </summary>
    public static OAuthError TooManyAttempts(string description, TimeSpan retryAfter) =>
        new(OAuthErrorCodes.InvalidRequest, $"{description} Try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalMinutes))} minute(s).")
        {
            RetryAfter = retryAfter,
        };

    public static OAuthError InvalidRequest(string description) => new(OAuthErrorCodes.InvalidRequest, description);

    public static OAuthError InvalidClient(string description) => new(OAuthErrorCodes.InvalidClient, description);

    public static OAuthError InvalidGrant(string description) => new(OAuthErrorCodes.InvalidGrant, description);

    public static OAuthError UnauthorizedClient(string description) => new(OAuthErrorCodes.UnauthorizedClient, description);

    public static OAuthError UnsupportedGrantType(string description) => new(OAuthErrorCodes.UnsupportedGrantType, description);

    public static OAuthError UnsupportedResponseType(string description) => new(OAuthErrorCodes.UnsupportedResponseType, description);

    public static OAuthError InvalidScope(string description) => new(OAuthErrorCodes.InvalidScope, description);

    /// <summary>RFC 8707 §2: the resource is invalid, unknown, not allowed, or does not fit the requested scope.</summary>
    public static OAuthError InvalidTarget(string description) => new(OAuthErrorCodes.InvalidTarget, description);

    public static OAuthError AccessDenied(string description) => new(OAuthErrorCodes.AccessDenied, description);

    public static OAuthError UnsupportedTokenType(string description) => new(OAuthErrorCodes.UnsupportedTokenType, description);

    public static OAuthError ServerError(string description = "The server could not complete the request.") => new(OAuthErrorCodes.ServerError, description);

    public static OAuthError TemporarilyUnavailable(string description = "The server is temporarily unable to handle the request; try again shortly.") =>
        new(OAuthErrorCodes.TemporarilyUnavailable, description);

    /// <summary>RFC 7591 §3.2.2: a redirect URI in a registration request is not acceptable.</summary>
    public static OAuthError InvalidRedirectUri(string description) => new(OAuthErrorCodes.InvalidRedirectUri, description);

    /// <summary>RFC 7591 §3.2.2: a client metadata field in a registration request is not acceptable.</summary>
    public static OAuthError InvalidClientMetadata(string description) => new(OAuthErrorCodes.InvalidClientMetadata, description);

    public static OAuthError InvalidToken(string description) => new(OAuthErrorCodes.InvalidToken, description);

    public static OAuthError InsufficientScope(string description) => new(OAuthErrorCodes.InsufficientScope, description);

    public static OAuthError LoginRequired(string description) => new(OAuthErrorCodes.LoginRequired, description);

    public static OAuthError ConsentRequired(string description) => new(OAuthErrorCodes.ConsentRequired, description);

    public static OAuthError InteractionRequired(string description) => new(OAuthErrorCodes.InteractionRequired, description);

    /// <summary>RFC 9449 §5.1 and §7.1: the DPoP proof is missing where required, malformed or does not hold.</summary>
    public static OAuthError InvalidDpopProof(string description) => new(OAuthErrorCodes.InvalidDpopProof, description);

    /// <summary>RFC 9449 §8 and §9: the proof must carry the server's nonce, sent with this error in the DPoP-Nonce header.</summary>
    public static OAuthError UseDpopNonce(string nonce) =>
        new(OAuthErrorCodes.UseDpopNonce, "Authorization server requires nonce in DPoP proof.") { DpopNonce = nonce };
    // RFC 8628 §3.5: the device authorization grant's polling answers.
    public static OAuthError AuthorizationPending(string description) => new(OAuthErrorCodes.AuthorizationPending, description);

    public static OAuthError SlowDown(string description) => new(OAuthErrorCodes.SlowDown, description);

    public static OAuthError ExpiredToken(string description) => new(OAuthErrorCodes.ExpiredToken, description);
}

/// <summary>Where an authorization request's error is sent: a redirect URI verified against the client's registration.</summary>
public sealed record ErrorRedirect(string RedirectUri, string? State, ResponseMode ResponseMode = ResponseMode.Query);

public static class OAuthErrorCodes
{
    public const string InvalidRequest = "invalid_request";
    public const string InvalidClient = "invalid_client";
    public const string InvalidGrant = "invalid_grant";
    public const string UnauthorizedClient = "unauthorized_client";
    public const string UnsupportedGrantType = "unsupported_grant_type";
    public const string UnsupportedResponseType = "unsupported_response_type";
    public const string InvalidScope = "invalid_scope";
    public const string InvalidTarget = "invalid_target";
    public const string AccessDenied = "access_denied";
    public const string UnsupportedTokenType = "unsupported_token_type";
    public const string ServerError = "server_error";
    public const string TemporarilyUnavailable = "temporarily_unavailable";
    public const string InvalidToken = "invalid_token";
    public const string InsufficientScope = "insufficient_scope";
    public const string InvalidRedirectUri = "invalid_redirect_uri";
    public const string InvalidClientMetadata = "invalid_client_metadata";

    // OpenID Connect Core §3.1.2.6: prompt=none could not be honoured without showing the user a page.
    public const string LoginRequired = "login_required";
    public const string ConsentRequired = "consent_required";
    public const string InteractionRequired = "interaction_required";

    // RFC 9449 §12.2.
    public const string InvalidDpopProof = "invalid_dpop_proof";
    public const string UseDpopNonce = "use_dpop_nonce";
    // RFC 8628 §3.5: the device authorization grant while the user has not answered, or polling too fast, or too late.
    public const string AuthorizationPending = "authorization_pending";
    public const string SlowDown = "slow_down";
    public const string ExpiredToken = "expired_token";
}
