using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Grants;

/// <summary>An authorization code (row "code"). Bound to client, redirect URI, PKCE challenge, scope, resources, nonce and user.</summary>
public sealed class AuthorizationCodeEntity : ExpiringEntity
{
    public const string Row = "code";

    public string CodeHash { get; set; } = "";

    public string ClientId { get; set; } = "";

    public string RedirectUri { get; set; } = "";

    public string? CodeChallenge { get; set; }

    public string Scope { get; set; } = "";

    public string Subject { get; set; } = "";

    public DateTimeOffset AuthTime { get; set; }

    /// <summary>The identifiers of the APIs the authorization covers (RFC 8707), space-separated.</summary>
    public string? Resources { get; set; }

    /// <summary>The authorization request's nonce, for the ID token (OpenID Connect Core §3.1.2.1): bound to the code.</summary>
    public string? Nonce { get; set; }

    /// <summary>How the user signed in: RFC 8176 "amr" values, space-separated.</summary>
    public string? AuthenticationMethods { get; set; }

    /// <summary>The sign-in session's id for the ID token's "sid", when the user has a session.</summary>
    public string? SessionId { get; set; }

    /// <summary>The dpop_jkt of the authorization request (RFC 9449 §10).</summary>
    public string? DpopJkt { get; set; }
}

/// <summary>
/// Written in the same transaction that deletes a code (row "redeemed"), so a replayed code is recognised, verified
/// against its hash, and what it issued can be revoked. Lives as long as the family could.
/// </summary>
public sealed class RedeemedCodeEntity : ExpiringEntity
{
    public const string Row = "redeemed";

    public string CodeHash { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>Random per redemption attempt: tells a retried transaction its own earlier commit (see GrantStore).</summary>
    public string? RedemptionId { get; set; }
}

public static class RefreshTokenState
{
    public const string Active = "Active";
    public const string Rotated = "Rotated";
    public const string Revoked = "Revoked";
}

/// <summary>
/// One refresh token of a family (row "rt:{hash}"). A rotated row stays until the family's absolute expiry, so that
/// presenting it again is recognised as reuse. Its successor is kept encrypted under a key derived from the rotated
/// token itself, so only a holder of that token can recover it, and only within the grace window.
/// </summary>
public sealed class RefreshTokenEntity : ExpiringEntity
{
    public const string RowPrefix = "rt:";

    public string State { get; set; } = RefreshTokenState.Active;

    public string ClientId { get; set; } = "";

    public string Subject { get; set; } = "";

    /// <summary>The scope of the grant; an access token may be narrower, the refresh token never changes it (RFC 6749 §6).</summary>
    public string Scope { get; set; } = "";

    public DateTimeOffset AuthTime { get; set; }

    /// <summary>The APIs the grant covers (RFC 8707), space-separated: each refresh may ask for a token for any one of them.</summary>
    public string? Resources { get; set; }

    /// <summary>The sign-in's "amr" and session, so that a refreshed ID token says what the first one said (OpenID Connect Core §12.2).</summary>
    public string? AuthenticationMethods { get; set; }

    public string? SessionId { get; set; }

    /// <summary>The DPoP key a public client's refresh tokens are bound to (RFC 9449 §5), as its thumbprint.</summary>
    public string? DpopJkt { get; set; }

    public DateTimeOffset AbsoluteExpiresAt { get; set; }

    public DateTimeOffset? RotatedAt { get; set; }

    public string? SuccessorCiphertext { get; set; }

    public static string RowKeyFor(string tokenHash) => RowPrefix + tokenHash;
}
