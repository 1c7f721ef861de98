using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>A token presented to /revoke or /introspect, found as what it is.</summary>
public abstract record LocatedToken;

/// <summary>A genuine, unexpired, unrevoked access token issued here.</summary>
public sealed record LocatedAccessToken(ValidatedAccessToken Token) : LocatedToken;

/// <summary>A stored, unexpired refresh token in any state (active, rotated or revoked), with the family it belongs to.</summary>
public sealed record LocatedRefreshToken(RefreshTokenRecord Row) : LocatedToken;

/// <summary>
/// Finds what a presented token is: an access token, a refresh token, or nothing this server knows (null). Whose token
/// it is, and what may be done with it, is the caller's rule.
/// </summary>
public sealed class TokenLocator(AccessTokenValidator accessTokens, IGrantStore grants)
{
    /// <param name="typeHint">token_type_hint: it only orders the look-ups, both kinds are tried (RFC 7009 §2.1,
    /// RFC 7662 §2.1). The two formats never overlap, so the order changes the cost, not the answer.</param>
    public async Task<LocatedToken?> LocateAsync(string token, string? typeHint, CancellationToken cancellationToken) =>
        typeHint == "refresh_token"
            ? await FindRefreshTokenAsync(token, cancellationToken) ?? await FindAccessTokenAsync(token, cancellationToken)
            : await FindAccessTokenAsync(token, cancellationToken) ?? await FindRefreshTokenAsync(token, cancellationToken);

    private async Task<LocatedToken?> FindAccessTokenAsync(string token, CancellationToken cancellationToken)
    {
        var validation = await accessTokens.ValidateAsync(token, audience: null, cancellationToken);
        return validation.Succeeded ? new LocatedAccessToken(validation.Value) : null;
    }

    private async Task<LocatedToken?> FindRefreshTokenAsync(string token, CancellationToken cancellationToken)
    {
        var lookup = await grants.FindRefreshTokenAsync(token, cancellationToken);
        return lookup?.Row is { } row ? new LocatedRefreshToken(row) : null;
    }
}
