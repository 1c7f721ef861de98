using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Signing;

namespace Serverless.OAuth.Tokens;

/// <summary>Issues RFC 9068 access tokens with the configured signing key.</summary>
public sealed class AccessTokenIssuer(ISigningKeyProvider keys, OAuthServerOptions options, TimeProvider clock)
{
    /// <summary>
    /// Signs an access token whose jti lives in <paramref name="partition"/> (its family, or a fresh id), so that its
    /// revocation can be checked with one read of that partition.
    /// </summary>
    public async Task<TokenResponse> IssueAsync(
        string partition, string subject, string clientId, string scope, DateTimeOffset? authTime, string? refreshToken, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var claims = new AccessTokenClaims(
            subject, clientId, scope, SecretValues.Compose(partition, SecretValues.NewId()), now, now + options.AccessTokenLifetime, authTime);
        var key = await keys.GetSigningKeyAsync(cancellationToken);
        var token = await AccessTokenWriter.WriteAsync(key, options.Issuer, options.EffectiveAudience, claims, cancellationToken);
        return new TokenResponse(token, "Bearer", (long)options.AccessTokenLifetime.TotalSeconds, scope, refreshToken);
    }
}
