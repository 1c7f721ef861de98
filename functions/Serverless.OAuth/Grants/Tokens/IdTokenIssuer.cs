using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;

namespace Serverless.OAuth.Grants.Tokens;

/// <summary>
/// The sign-in an ID token is about, as the code and refresh token rows keep it: who, when, how (RFC 8176 "amr"
/// values, space-separated), and the sign-in session when there is one.
/// </summary>
public sealed record Authentication(string Subject, DateTimeOffset AuthTime, string? Methods, string? SessionId)
{
    /// <summary>RFC 8176 §2: a password.</summary>
    public const string Password = "pwd";

    public IReadOnlyList<string> MethodList => (Methods ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// Issues ID tokens (OpenID Connect Core §3.1.3.6-7) beside the access token they describe, signed in the client's
/// id_token_signed_response_alg (OpenID Connect Dynamic Client Registration §2), RS256 by default. They live as long as
/// access tokens, so the key lifecycle that keeps a key published while its access tokens live covers them too.
/// </summary>
public sealed class IdTokenIssuer(SigningKeyRing keys, OAuthServerOptions options, TimeProvider clock)
{
    /// <summary>
    /// The token response with an ID token beside its access token when <paramref name="scope"/> has "openid" (Core
    /// §3.1.3.3, §12.2); otherwise the response as it is.
    /// </summary>
    /// <param name="nonce">The authorization request's nonce; none on a refresh (Core §12.2).</param>
    public async Task<TokenResponse> AddToAsync(
        TokenResponse response, ScopeSet scope, OAuthClient client, Authentication authentication, string? nonce, CancellationToken cancellationToken) =>
        scope.Contains(IdentityScopes.OpenId)
            ? response with { IdToken = await IssueAsync(client, authentication, nonce, response.AccessToken, cancellationToken) }
            : response;

    /// <param name="nonce">The authorization request's nonce; none on a refresh (Core §12.2).</param>
    public async Task<string> IssueAsync(
        OAuthClient client, Authentication authentication, string? nonce, string accessToken, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var claims = new IdTokenClaims(
            authentication.Subject,
            client.ClientId,
            now,
            now + options.AccessTokenLifetime,
            authentication.AuthTime,
            authentication.MethodList,
            nonce,
            IdTokenWriter.AccessTokenHash(accessToken),
            authentication.SessionId);
        var key = await keys.For(client.IdTokenSignedResponseAlg ?? options.Signing.DefaultIdTokenAlgorithm).GetSigningKeyAsync(cancellationToken);
        return await IdTokenWriter.WriteAsync(key, options.Issuer, claims, cancellationToken);
    }
}
