using System.Diagnostics;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Grants.Tokens;

/// <summary>Issues RFC 9068 access tokens with the configured signing key, each for one API: its <c>aud</c> and life.</summary>
public sealed class AccessTokenIssuer(ISigningKeyProvider keys, OAuthServerOptions options, TimeProvider clock)
{
    private readonly string _signingMode = options.Signing.Mode.ToString();

    /// <summary>
    /// Signs an access token whose jti lives in <paramref name="partition"/> (its family, or a fresh id), so that its
    /// revocation can be checked with one read of that partition.
    /// </summary>
    public async Task<TokenResponse> IssueAsync(
        string partition, string subject, string clientId, TokenTarget target, DateTimeOffset? authTime, string? refreshToken, CancellationToken cancellationToken)
        => await IssueAsync(partition, subject, clientId, target, authTime, refreshToken, actor: null, notAfter: null, dpopJkt: null, cancellationToken);

    /// <param name="actor">The "act" claim (RFC 8693 §4.1) as JSON, for a token exchange.</param>
    /// <param name="notAfter">The latest expiry: an exchanged token does not outlive the token it was exchanged for.</param>
    /// <param name="dpopJkt">The thumbprint of the DPoP key the token is bound to (RFC 9449 §6: cnf.jkt, token_type DPoP).</param>
    public async Task<TokenResponse> IssueAsync(
        string partition, string subject, string clientId, TokenTarget target, DateTimeOffset? authTime, string? refreshToken,
        string? actor, DateTimeOffset? notAfter, string? dpopJkt, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var lifetime = LifetimeOf(target.Api);
        if (notAfter is { } cap && cap - now < lifetime)
        {
            lifetime = cap > now ? TimeSpan.FromSeconds(Math.Floor((cap - now).TotalSeconds)) : TimeSpan.Zero;
        }

        var claims = new AccessTokenClaims(
            subject, clientId, target.Scope, SecretValues.Compose(partition, SecretValues.NewId()), now, now + lifetime, authTime, actor, dpopJkt);
        var key = await keys.GetSigningKeyAsync(cancellationToken);
        using var span = ServerTelemetry.Source.StartActivity("oauth.sign");
        var started = Stopwatch.GetTimestamp();
        var token = await AccessTokenWriter.WriteAsync(key, options.Issuer, target.Api.Identifier, claims, cancellationToken);
        ServerTelemetry.Signed(key.Algorithm, _signingMode, Stopwatch.GetElapsedTime(started));
        return new TokenResponse(token, dpopJkt is null ? "Bearer" : "DPoP", (long)lifetime.TotalSeconds, target.Scope, refreshToken) { Audience = target.Api.Identifier };
    }

    public TimeSpan LifetimeOf(ApiResource api) => api.AccessTokenLifetime ?? options.AccessTokenLifetime;
}
