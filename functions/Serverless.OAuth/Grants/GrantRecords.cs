using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>
/// A code or refresh token, "{family}.{secret}" with a 256-bit secret, and the SHA-256 hash stored in its place. Every
/// code and refresh token is minted here.
/// </summary>
public sealed record GrantSecret(string FamilyId, string Value, string Hash)
{
    /// <summary>A new value in <paramref name="familyId"/>'s partition.</summary>
    public static GrantSecret Mint(string familyId)
    {
        var value = SecretValues.Compose(familyId, SecretValues.NewSecret());
        return new GrantSecret(familyId, value, SecretValues.Hash(value));
    }

    /// <summary>A new value that starts a family of its own.</summary>
    public static GrantSecret MintInNewFamily() => Mint(SecretValues.NewId());
}

/// <summary>What an authorization code is bound to (RFC 6749 §4.1.2, RFC 7636 §4.4, RFC 8707 §2.1, OpenID Connect Core §3.1.2.1).</summary>
public sealed record CodeGrant
{
    public required string ClientId { get; init; }

    public required string RedirectUri { get; init; }

    public string? CodeChallenge { get; init; }

    public required string Scope { get; init; }

    /// <summary>The identifiers of the APIs the authorization covers, space-separated.</summary>
    public string? Resources { get; init; }

    public required string Subject { get; init; }

    public required DateTimeOffset AuthTime { get; init; }

    /// <summary>The authorization request's nonce, for the ID token: bound to the code.</summary>
    public string? Nonce { get; init; }

    /// <summary>How the user signed in: RFC 8176 "amr" values, space-separated.</summary>
    public string? AuthenticationMethods { get; init; }

    /// <summary>The sign-in session's id for the ID token's "sid", when the user has a session.</summary>
    public string? SessionId { get; init; }

    /// <summary>The authorization request's dpop_jkt (RFC 9449 §10): the code is redeemed only with a proof of that key.</summary>
    public string? DpopJkt { get; init; }

    public Authentication Authentication() => new(Subject, AuthTime, AuthenticationMethods, SessionId);
}

/// <summary>A stored, live authorization code: its family, its hash and what it grants.</summary>
public sealed record IssuedCode(string FamilyId, string CodeHash, CodeGrant Grant, RowVersion Version);

/// <summary>What every refresh token of a family grants; a successor carries it unchanged (RFC 6749 §6).</summary>
public sealed record RefreshGrant
{
    public required string ClientId { get; init; }

    public required string Subject { get; init; }

    /// <summary>The scope of the grant; an access token may be narrower, the refresh token never changes it (RFC 6749 §6).</summary>
    public required string Scope { get; init; }

    /// <summary>The APIs the grant covers (RFC 8707), space-separated: each refresh may ask for a token for any one of them.</summary>
    public string? Resources { get; init; }

    public required DateTimeOffset AuthTime { get; init; }

    /// <summary>The sign-in's "amr" and session, so that a refreshed ID token says what the first one said (OpenID Connect Core §12.2).</summary>
    public string? AuthenticationMethods { get; init; }

    public string? SessionId { get; init; }

    /// <summary>
    /// The thumbprint of the DPoP key a public client's refresh tokens are bound to (RFC 9449 §5): every refresh must
    /// prove possession of it. Null for confidential clients, whose refresh tokens are bound by their authentication.
    /// </summary>
    public string? DpopJkt { get; init; }

    /// <summary>No token of the family is usable after this, however often it is rotated.</summary>
    public required DateTimeOffset AbsoluteExpiresAt { get; init; }

    public Authentication Authentication() => new(Subject, AuthTime, AuthenticationMethods, SessionId);
}

/// <summary>A stored, live refresh token in any state; <see cref="SuccessorCiphertext"/> is set once it is rotated.</summary>
public sealed record RefreshTokenRecord(
    string FamilyId,
    string TokenHash,
    RefreshGrant Grant,
    string State,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? RotatedAt,
    string? SuccessorCiphertext,
    RowVersion Version);

/// <summary>A refresh token to create: its value goes to the client once; only its hash is stored.</summary>
public sealed record NewRefreshToken(GrantSecret Secret, RefreshGrant Grant, DateTimeOffset ExpiresAt)
{
    public string Value => Secret.Value;

    /// <summary>A new token of the family, idle-expiring at <paramref name="idleExpiresAt"/> but never after the family.</summary>
    public static NewRefreshToken Mint(string familyId, RefreshGrant grant, DateTimeOffset idleExpiresAt) =>
        new(GrantSecret.Mint(familyId), grant, idleExpiresAt < grant.AbsoluteExpiresAt ? idleExpiresAt : grant.AbsoluteExpiresAt);
}
