using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ProtectedApi;

/// <summary>
/// DPoP-bound access tokens (RFC 9449 §7) on top of the stock JwtBearer handler, in three of its events:
/// <list type="bullet">
/// <item>OnMessageReceived reads "Authorization: DPoP &lt;token&gt;" as well as Bearer, and remembers which;</item>
/// <item>OnTokenValidated, once the handler has checked the token, requires for a token with cnf.jkt the DPoP scheme
/// and a proof of that key for this request (and refuses a token without cnf sent with the DPoP scheme);</item>
/// <item>OnChallenge adds a DPoP challenge with the accepted algorithms beside the Bearer one.</item>
/// </list>
/// </summary>
public static class DpopProofValidation
{
    public static readonly string[] Algorithms = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512"];

    private static readonly TimeSpan ProofLifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);
    private static readonly JsonWebTokenHandler Handler = new();

    // A proof's jti is used once. In memory here: an API on several instances needs a shared store (or nonces).
    private static readonly ConcurrentDictionary<string, DateTimeOffset> SeenProofs = new();

    private static long _nextSweepTicks;

    private const string UsedDpopScheme = "dpop:scheme";

    public static void AddDpop(this JwtBearerOptions options, TimeProvider clock)
    {
        options.Events ??= new JwtBearerEvents();
        options.Events.OnMessageReceived = context =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            if (authorization.StartsWith("DPoP ", StringComparison.OrdinalIgnoreCase))
            {
                context.Token = authorization["DPoP ".Length..].Trim();
                context.HttpContext.Items[UsedDpopScheme] = true;
            }

            return Task.CompletedTask;
        };
        options.Events.OnTokenValidated = async context =>
        {
            var token = (JsonWebToken)context.SecurityToken;
            var usedDpop = context.HttpContext.Items.ContainsKey(UsedDpopScheme);
            var jkt = token.TryGetPayloadValue<JsonElement>("cnf", out var cnf) && cnf.ValueKind == JsonValueKind.Object
                && cnf.TryGetProperty("jkt", out var value) ? value.GetString() : null;
            var problem = (jkt, usedDpop) switch
            {
                (null, false) => null, // a plain Bearer token
                (null, true) => "The access token is not DPoP-bound.",
                (_, false) => "The access token is DPoP-bound: send it with the DPoP scheme and a proof.",
                _ => await CheckProofAsync(context.Request, token.EncodedToken, jkt, clock),
            };
            if (problem is not null)
            {
                context.Fail(problem);
            }
        };
        options.Events.OnChallenge = context =>
        {
            // RFC 9449 §7.1: tell the client this API takes DPoP too, after the Bearer challenge the handler writes next.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.Append("WWW-Authenticate", $"DPoP algs=\"{string.Join(' ', Algorithms)}\"");
                return Task.CompletedTask;
            });
            return Task.CompletedTask;
        };
    }

    /// <summary>The proof of one request (RFC 9449 §4.3), for an access token bound to <paramref name="jkt"/>; null when it holds.</summary>
    private static async Task<string?> CheckProofAsync(HttpRequest request, string accessToken, string jkt, TimeProvider clock)
    {
        if (request.Headers["DPoP"] is not [{ } proof])
        {
            return "Send exactly one DPoP proof.";
        }

        JsonWebKey key;
        try
        {
            var header = JsonDocument.Parse(Base64UrlEncoder.Decode(proof.Split('.')[0])).RootElement;
            var jwk = header.GetProperty("jwk");
            // A proof carries the public key only.
            if (new[] { "d", "p", "q", "dp", "dq", "qi", "k" }.Any(member => jwk.TryGetProperty(member, out _)))
            {
                return "The proof's jwk holds a private key.";
            }

            key = new JsonWebKey(jwk.GetRawText());
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or KeyNotFoundException or InvalidOperationException)
        {
            return "The proof is malformed.";
        }

        var result = await Handler.ValidateTokenAsync(proof, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidTypes = ["dpop+jwt"],
            ValidAlgorithms = Algorithms,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
        });
        if (!result.IsValid)
        {
            return "The proof's signature, typ or alg is invalid.";
        }

        // The key must be the one the token is bound to (its RFC 7638 thumbprint is cnf.jkt).
        if (Base64UrlEncoder.Encode(key.ComputeJwkThumbprint()) != jkt)
        {
            return "The proof's key is not the token's key.";
        }

        var claims = (JsonWebToken)result.SecurityToken;
        // htu is this request's URL without query or fragment. Behind a proxy, use the API's public URL instead.
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}";
        var ath = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
        var now = clock.GetUtcNow();
        if (!claims.TryGetPayloadValue<string>("htm", out var htm) || htm != request.Method
            || !claims.TryGetPayloadValue<string>("htu", out var htu) || !Uri.TryCreate(htu, UriKind.Absolute, out var target)
            || !string.Equals(target.GetLeftPart(UriPartial.Path), new Uri(url).GetLeftPart(UriPartial.Path), StringComparison.Ordinal)
            || !claims.TryGetPayloadValue<string>("ath", out var proofAth) || proofAth != ath)
        {
            return "The proof is not for this request or this token.";
        }

        if (!claims.TryGetPayloadValue<long>("iat", out var iat)
            || DateTimeOffset.FromUnixTimeSeconds(iat) is var issued && (issued > now + ClockSkew || issued < now - ProofLifetime - ClockSkew))
        {
            return "The proof is stale.";
        }

        // Forget expired proofs once a lifetime, not on every request: a sweep walks the whole dictionary.
        var sweepDue = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks >= sweepDue && Interlocked.CompareExchange(ref _nextSweepTicks, (now + ProofLifetime).UtcTicks, sweepDue) == sweepDue)
        {
            foreach (var (seen, until) in SeenProofs)
            {
                if (until < now)
                {
                    SeenProofs.TryRemove(seen, out _);
                }
            }
        }

        return claims.TryGetPayloadValue<string>("jti", out var jti) && SeenProofs.TryAdd(jkt + ":" + jti, now + ProofLifetime + 2 * ClockSkew)
            ? null
            : "The proof was used before.";
    }
}
