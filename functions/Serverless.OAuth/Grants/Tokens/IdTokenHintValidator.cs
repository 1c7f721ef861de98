using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;

namespace Serverless.OAuth.Grants.Tokens;

/// <summary>An ID token this server issued, presented back as a hint: whom it names, for which clients, in which session.</summary>
public sealed record IdTokenHint(string Raw, string Subject, IReadOnlyList<string> Audiences, string? SessionId)
{
    public bool IsFor(string clientId) => Audiences.Contains(clientId, StringComparer.Ordinal);
}

/// <summary>
/// Reads an id_token_hint (OpenID Connect Core §3.1.2.1, RP-Initiated Logout 1.0 §2): an ID token of this issuer,
/// signed by one of its published keys. At /authorize it must not have expired; at logout its expiry is ignored, since
/// a relying party logs out with the ID token it has, however old (RP-Initiated Logout 1.0 §4).
/// </summary>
public sealed class IdTokenHintValidator(SigningKeyRing keys, OAuthServerOptions options, TimeProvider clock)
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public async Task<OAuthResult<IdTokenHint>> ValidateAsync(string hint, bool acceptExpired, CancellationToken cancellationToken)
    {
        if (hint.Length > 8192 || !_handler.CanReadToken(hint))
        {
            return OAuthError.InvalidRequest("The 'id_token_hint' is not an ID token.");
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            // The audience is the client the ID token was issued to; the callers check it against the request.
            ValidateAudience = false,
            ValidAlgorithms = ["ES256", "RS256"],
            IssuerSigningKeys = (await keys.GetPublicKeysAsync(cancellationToken)).Select(AccessTokenValidator.ToSecurityKey).ToList(),
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = !acceptExpired,
        };
        if (!acceptExpired)
        {
            // Set only when the lifetime counts: Microsoft.IdentityModel calls a lifetime delegate even with ValidateLifetime off.
            parameters.LifetimeValidator = (_, expires, _, _) => expires is { } exp && exp + ClockSkew > clock.GetUtcNow().UtcDateTime;
        }

        var result = await _handler.ValidateTokenAsync(hint, parameters);
        if (!result.IsValid)
        {
            return OAuthError.InvalidRequest(result.Exception is SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException
                ? "The 'id_token_hint' has expired."
                : "The 'id_token_hint' was not issued by this server, or has been altered.");
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        // An access token is signed by the same keys: it is no ID token (it has its own typ, at+jwt, RFC 9068 §2.1).
        if (jwt.Typ == AccessTokenWriter.TokenType || string.IsNullOrEmpty(jwt.Subject))
        {
            return OAuthError.InvalidRequest("The 'id_token_hint' is not an ID token.");
        }

        jwt.TryGetPayloadValue<string>("sid", out var sid);
        return new IdTokenHint(hint, jwt.Subject, jwt.Audiences.ToList(), sid);
    }
}
