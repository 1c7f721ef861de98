using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Endpoints.Dpop;

/// <summary>
/// Checks the DPoP proof of one request (RFC 9449 §4.3), one named rule at a time: exactly one DPoP header; a JWT with
/// <c>typ</c> dpop+jwt, an asymmetric <c>alg</c> of <see cref="Algorithms"/> and a public <c>jwk</c> that verifies its
/// signature; <c>htm</c> the request's method and <c>htu</c> the endpoint's public URL, made from the configured issuer,
/// never from the Host header (query and fragment ignored); an <c>iat</c> within the window, by the server's clock;
/// the server nonce when required; <c>ath</c>, the hash of the access token, at a resource; and a <c>jti</c> not seen
/// before on any instance (<see cref="OneTimeIds"/>: recorded last, once everything else holds). The result is the key's
/// RFC 7638 thumbprint, which the grants and token writers take as a value. A refusal is invalid_dpop_proof (or
/// use_dpop_nonce) and says which rule failed, never what the proof held.
/// </summary>
public sealed class DpopProofValidator(
    IOneTimeIds oneTimeIds, DpopNonces nonces, OAuthServerOptions options, TimeProvider clock, ILogger<DpopProofValidator> logger)
{
    /// <summary>The header that carries the proof (RFC 9449 §4.1).</summary>
    public const string HeaderName = "DPoP";

    public const string ProofType = "dpop+jwt";

    /// <summary>A proof is small: a header with a public key and a handful of claims; an RSA-4096 key fits easily.</summary>
    public const int MaxProofLength = 8 * 1024;

    /// <summary>The signature algorithms accepted for proofs, asymmetric only (advertised as dpop_signing_alg_values_supported).</summary>
    public static readonly IReadOnlyList<string> Algorithms = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"];

    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <summary>The public URL of one of this server's endpoints (e.g. "token"), as a proof's htu must name it.</summary>
    public string UrlOf(string route) => options.Issuer.TrimEnd('/') + "/" + route.TrimStart('/');

    /// <param name="header">The request's DPoP header values.</param>
    /// <param name="method">The request's method, which htm must equal.</param>
    /// <param name="url">The endpoint's public URL (<see cref="UrlOf"/>), which htu must name.</param>
    /// <param name="accessToken">At a resource, the access token the proof must hash in ath; null at /token.</param>
    /// <returns>The proof's key (its thumbprint), or <see cref="DpopBinding.None"/> when no proof was sent.</returns>
    public async Task<OAuthResult<DpopBinding>> ValidateAsync(
        StringValues header, string method, string url, string? accessToken, CancellationToken cancellationToken)
    {
        var result = await CheckAsync(header, method, url, accessToken, cancellationToken);
        if (!result.Succeeded && result.Error.Error == OAuthErrorCodes.InvalidDpopProof)
        {
            DpopEvents.ProofRefused(logger, url, result.Error.Description ?? "");
        }

        return result;
    }

    private async Task<OAuthResult<DpopBinding>> CheckAsync(
        StringValues header, string method, string url, string? accessToken, CancellationToken cancellationToken)
    {
        if (header.Count == 0)
        {
            return DpopBinding.None;
        }

        if (header.Count > 1 || header[0] is not { Length: > 0 } proof)
        {
            return OAuthError.InvalidDpopProof("Send exactly one DPoP header.");
        }

        var read = Read(proof);
        if (!read.Succeeded)
        {
            return read.Error;
        }

        var (jwt, key) = read.Value;
        var checkedSignature = await CheckSignatureAsync(jwt, key);
        if (checkedSignature is not null)
        {
            return checkedSignature;
        }

        var error = CheckMethod(jwt, method) ?? CheckUrl(jwt, url) ?? CheckAccessTokenHash(jwt, accessToken) ?? CheckIssuedAt(jwt);
        if (error is not null)
        {
            return error;
        }

        if (nonces.Required && !nonces.IsValid(jwt.TryGetPayloadValue<string>("nonce", out var nonce) ? nonce : null))
        {
            return OAuthError.UseDpopNonce(nonces.Current());
        }

        if (!jwt.TryGetPayloadValue<string>("jti", out var jti) || jti is not { Length: > 0 and <= 512 })
        {
            return OAuthError.InvalidDpopProof("The DPoP proof has no 'jti'.");
        }

        // Remembered until its iat leaves the window: from then on the proof is refused anyway.
        var thumbprint = Thumbprint(key);
        var settings = options.Dpop;
        var until = DateTimeOffset.FromUnixTimeSeconds(jwt.GetPayloadValue<long>("iat")) + settings.ProofLifetime + settings.ClockSkew;
        if (!await oneTimeIds.TryUseAsync("dpop:" + thumbprint, jti, until, cancellationToken))
        {
            return OAuthError.InvalidDpopProof("The DPoP proof was used before.");
        }

        return new DpopBinding(thumbprint);
    }

    /// <summary>The RFC 7638 thumbprint of a public key, base64url: the value of cnf.jkt and dpop_jkt.</summary>
    public static string Thumbprint(JsonWebKey key) => Base64Url.Encode(key.ComputeJwkThumbprint());

    private OAuthResult<(JsonWebToken Jwt, JsonWebKey Key)> Read(string proof)
    {
        JsonWebToken jwt;
        try
        {
            if (proof.Length > MaxProofLength || !_handler.CanReadToken(proof))
            {
                return OAuthError.InvalidDpopProof("The DPoP proof is not a signed JWT.");
            }

            jwt = _handler.ReadJsonWebToken(proof);
        }
        catch (ArgumentException)
        {
            return OAuthError.InvalidDpopProof("The DPoP proof is not a signed JWT.");
        }

        if (!string.Equals(jwt.Typ, ProofType, StringComparison.OrdinalIgnoreCase))
        {
            return OAuthError.InvalidDpopProof("The DPoP proof's 'typ' must be dpop+jwt.");
        }

        if (!Algorithms.Contains(jwt.Alg))
        {
            return OAuthError.InvalidDpopProof($"The DPoP proof's 'alg' must be one of {string.Join(", ", Algorithms)}.");
        }

        var key = PublicKeyOf(proof);
        return key is null
            ? OAuthError.InvalidDpopProof("The DPoP proof's 'jwk' must be a public EC or RSA key.")
            : (jwt, key);
    }

    /// <summary>The header's jwk: an EC or RSA key with no private member at all (RFC 9449 §4.2: never a private key).</summary>
    private static JsonWebKey? PublicKeyOf(string proof)
    {
        var encodedHeader = proof[..proof.IndexOf('.')];
        try
        {
            using var header = JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(encodedHeader));
            if (header.RootElement.ValueKind != JsonValueKind.Object
                || !header.RootElement.TryGetProperty("jwk", out var jwk)
                || jwk.ValueKind != JsonValueKind.Object
                || PrivateMembers.Any(member => jwk.TryGetProperty(member, out _)))
            {
                return null;
            }

            var key = new JsonWebKey(jwk.GetRawText());
            var complete = key.Kty switch
            {
                JsonWebAlgorithmsKeyTypes.EllipticCurve => key.Crv is { Length: > 0 } && key.X is { Length: > 0 } && key.Y is { Length: > 0 },
                JsonWebAlgorithmsKeyTypes.RSA => key.N is { Length: > 0 } && key.E is { Length: > 0 },
                _ => false,
            };
            return complete ? key : null;
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The signature, on the proof as already read (not parsed again).</summary>
    private async Task<OAuthError?> CheckSignatureAsync(JsonWebToken proof, JsonWebKey key)
    {
        var result = await _handler.ValidateTokenAsync(proof, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidTypes = [ProofType],
            ValidAlgorithms = [.. Algorithms],
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = false,
            ValidateIssuer = false,
            ValidateAudience = false,
            // The proof's time is its iat, checked below by the server's clock; it has no exp.
            ValidateLifetime = false,
            RequireExpirationTime = false,
            TryAllIssuerSigningKeys = true,
        });
        return result.IsValid ? null : OAuthError.InvalidDpopProof("The DPoP proof's signature does not verify with its 'jwk'.");
    }

    private static OAuthError? CheckMethod(JsonWebToken jwt, string method) =>
        jwt.TryGetPayloadValue<string>("htm", out var htm) && htm == method
            ? null
            : OAuthError.InvalidDpopProof($"The DPoP proof's 'htm' must be {method}.");

    private static OAuthError? CheckUrl(JsonWebToken jwt, string url) =>
        jwt.TryGetPayloadValue<string>("htu", out var htu) && SameTarget(htu, url)
            ? null
            : OAuthError.InvalidDpopProof($"The DPoP proof's 'htu' must be {url}.");

    /// <summary>
    /// Whether <paramref name="htu"/> names <paramref name="url"/>: scheme and host compared without case, default
    /// ports made explicit, the path exactly, the query and fragment ignored (RFC 9449 §4.3, RFC 3986 §6.2.2-6.2.3).
    /// </summary>
    internal static bool SameTarget(string htu, string url)
    {
        if (htu.Length > 2048 || !Uri.TryCreate(htu, UriKind.Absolute, out var presented) || !Uri.TryCreate(url, UriKind.Absolute, out var expected)
            || presented.Scheme is not ("https" or "http") || presented.UserInfo.Length > 0)
        {
            return false;
        }

        static string PathOf(Uri uri) => uri.AbsolutePath.Length == 0 ? "/" : uri.AbsolutePath;
        return presented.Scheme == expected.Scheme
            && string.Equals(presented.IdnHost, expected.IdnHost, StringComparison.OrdinalIgnoreCase)
            && presented.Port == expected.Port
            && PathOf(presented) == PathOf(expected);
    }

    private OAuthError? CheckIssuedAt(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<long>("iat", out var iat) || iat is < 0 or > 253402300799)
        {
            return OAuthError.InvalidDpopProof("The DPoP proof has no 'iat'.");
        }

        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(iat);
        var now = clock.GetUtcNow();
        var settings = options.Dpop;
        return issuedAt > now + settings.ClockSkew || issuedAt < now - settings.ProofLifetime - settings.ClockSkew
            ? OAuthError.InvalidDpopProof("The DPoP proof's 'iat' is outside the accepted window.")
            : null;
    }

    /// <summary>ath: the base64url SHA-256 of the access token (RFC 9449 §4.2), which is what SecretValues.Hash computes.</summary>
    private static OAuthError? CheckAccessTokenHash(JsonWebToken jwt, string? accessToken)
    {
        if (accessToken is null)
        {
            return null;
        }

        return jwt.TryGetPayloadValue<string>("ath", out var ath) && ath is { Length: < 128 } && SecretValues.FixedTimeEquals(ath, SecretValues.Hash(accessToken))
            ? null
            : OAuthError.InvalidDpopProof("The DPoP proof's 'ath' must be the hash of the access token.");
    }
}

/// <summary>The key a request proved possession of (RFC 9449): its RFC 7638 thumbprint; null when no proof was sent.</summary>
public sealed record DpopBinding(string? KeyThumbprint)
{
    public static DpopBinding None { get; } = new((string?)null);
}
