using System.Diagnostics;
using Serverless.OAuth.Apis;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Signing;
using Serverless.OAuth.Telemetry;

namespace Serverless.OAuth.Tokens;

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
    {
        var now = clock.GetUtcNow();
        var lifetime = LifetimeOf(target.Api);
        var claims = new AccessTokenClaims(
            subject, clientId, target.Scope, SecretValues.Compose(partition, SecretValues.NewId()), now, now + lifetime, authTime);
        var key = await keys.GetSigningKeyAsync(cancellationToken);
        using var span = ServerTelemetry.Source.StartActivity("oauth.sign");
        var started = Stopwatch.GetTimestamp();
        var token = await AccessTokenWriter.WriteAsync(key, options.Issuer, target.Api.Identifier, claims, cancellationToken);
        ServerTelemetry.Signed(key.Algorithm, _signingMode, Stopwatch.GetElapsedTime(started));
        return new TokenResponse(token, "Bearer", (long)lifetime.TotalSeconds, target.Scope, refreshToken) { Audience = target.Api.Identifier };
    }

    public TimeSpan LifetimeOf(ApiResource api) => api.AccessTokenLifetime ?? options.AccessTokenLifetime;
}
