using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;

namespace Serverless.OAuth.Grants.Tokens;

/// <summary>A validated access token's claims; <see cref="Audience"/> is the identifier of the API it is for.</summary>
public sealed record ValidatedAccessToken(
    string Subject, string ClientId, string Scope, string JwtId, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, DateTimeOffset? AuthTime, string Audience)
{
    /// <summary>cnf.jkt (RFC 9449 §6.1): the thumbprint of the DPoP key the token is bound to; null for a Bearer token.</summary>
    public string? ConfirmationKey { get; init; }
}

/// <summary>
/// Validates access tokens as an independent resource server would (Microsoft.IdentityModel against the published
/// JWKS: signature, typ "at+jwt", iss, aud, exp with the server's <see cref="TimeProvider"/>), then checks revocation.
/// A token that fails is an invalid_token error (RFC 6750 §3.1) saying why. Its audience must be the API asking (a
/// resource server), or, for the server's own endpoints, any registered API: a token has exactly one.
/// </summary>
public sealed class AccessTokenValidator(
    SigningKeyRing keys, IRevocationStore revocations, IApiStore apis, OAuthServerOptions options, TimeProvider clock)
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private CachedParameters? _parameters;

    /// <param name="audience">The identifier of the API the token must be for; null: any registered API.</param>
    public async Task<OAuthResult<ValidatedAccessToken>> ValidateAsync(string token, string? audience, CancellationToken cancellationToken = default)
    {
        if (token.Length > 8192 || !_handler.CanReadToken(token))
        {
            return OAuthError.InvalidToken("The access token is malformed.");
        }

        var parameters = ParametersFor(await keys.GetPublicKeysAsync(cancellationToken));
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            return OAuthError.InvalidToken(result.Exception is SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException
                ? "The access token expired."
                : "The access token is invalid.");
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (jwt.Audiences.ToList() is not [var tokenAudience]
            || (audience is null ? (await apis.GetCatalogAsync(cancellationToken)).Find(tokenAudience) is null : tokenAudience != audience))
        {
            return OAuthError.InvalidToken("The access token is not for this resource.");
        }

        if (!jwt.TryGetPayloadValue<string>("client_id", out var clientId)
            || !jwt.TryGetPayloadValue<string>("jti", out var jti)
            || !SecretValues.TrySplit(jti, out var partition, out _))
        {
            return OAuthError.InvalidToken("The access token is invalid.");
        }

        if (await revocations.IsRevokedAsync(partition, jti, cancellationToken))
        {
            return OAuthError.InvalidToken("The access token was revoked.");
        }

        jwt.TryGetPayloadValue<string>("scope", out var scope);
        DateTimeOffset? authTime = jwt.TryGetPayloadValue<long>("auth_time", out var at) ? DateTimeOffset.FromUnixTimeSeconds(at) : null;
        string? jkt = null;
        if (jwt.TryGetPayloadValue<System.Text.Json.JsonElement>("cnf", out var cnf))
        {
            if (cnf.ValueKind != System.Text.Json.JsonValueKind.Object
                || !cnf.TryGetProperty("jkt", out var jktElement) || jktElement.ValueKind != System.Text.Json.JsonValueKind.String)
            {
                return OAuthError.InvalidToken("The access token is invalid.");
            }

            jkt = jktElement.GetString();
        }

        return new ValidatedAccessToken(jwt.Subject, clientId, scope ?? "", jti, jwt.IssuedAt, jwt.ValidTo, authTime, tokenAudience) { ConfirmationKey = jkt };
    }

    /// <summary>
    /// The validation parameters for a set of published keys, made once per set: converting a JWK into a usable key
    /// costs more than validating a token, and the key provider hands out the same list until its keys change.
    /// </summary>
    private TokenValidationParameters ParametersFor(IReadOnlyList<PublicJsonWebKey> jwks)
    {
        if (_parameters is { } cached && ReferenceEquals(cached.Keys, jwks))
        {
            return cached.Parameters;
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            // One audience, checked above against the API asking or the registry.
            ValidateAudience = false,
            ValidTypes = [AccessTokenWriter.TokenType],
            ValidAlgorithms = ["ES256", "RS256"],
            IssuerSigningKeys = jwks.Select(ToSecurityKey).ToList(),
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                return expires is { } exp && exp + ClockSkew > now && (notBefore is null || notBefore.Value - ClockSkew <= now);
            },
        };
        _parameters = new CachedParameters(jwks, parameters);
        return parameters;
    }

    private sealed record CachedParameters(IReadOnlyList<PublicJsonWebKey> Keys, TokenValidationParameters Parameters);

    internal static JsonWebKey ToSecurityKey(PublicJsonWebKey key) => new()
    {
        Kty = key.KeyType,
        Kid = key.KeyId,
        Alg = key.Algorithm,
        Use = key.Use,
        Crv = key.Curve,
        X = key.X,
        Y = key.Y,
        N = key.Modulus,
        E = key.Exponent,
    };
}
