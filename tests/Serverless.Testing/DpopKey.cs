using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Serverless.Testing;

/// <summary>
/// A client's DPoP key (P-256) that writes proofs (RFC 9449 §4.2) by hand, so a test can also write the forged ones: a
/// wrong signature, a private key in the jwk, a symmetric alg, another typ.
/// </summary>
public sealed class DpopKey : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>The public jwk, members in RFC 7638 order.</summary>
    public JsonObject PublicJwk()
    {
        var p = _key.ExportParameters(false);
        return new JsonObject { ["crv"] = "P-256", ["kty"] = "EC", ["x"] = Encode(p.Q.X!), ["y"] = Encode(p.Q.Y!) };
    }

    /// <summary>The RFC 7638 thumbprint: the SHA-256 of the required members, in order, without whitespace.</summary>
    public string Thumbprint => Encode(SHA256.HashData(Encoding.UTF8.GetBytes(PublicJwk().ToJsonString())));

    /// <summary>A proof for <paramref name="method"/> <paramref name="url"/>; <paramref name="change"/> edits header and claims before signing.</summary>
    public string Proof(
        string method, string url, DateTimeOffset issuedAt, string? accessToken = null, string? nonce = null, Action<JsonObject, JsonObject>? change = null)
    {
        var header = new JsonObject { ["typ"] = "dpop+jwt", ["alg"] = "ES256", ["jwk"] = PublicJwk() };
        var claims = new JsonObject
        {
            ["jti"] = Encode(RandomNumberGenerator.GetBytes(16)),
            ["htm"] = method,
            ["htu"] = url,
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
        };
        if (accessToken is not null)
        {
            claims["ath"] = Encode(SHA256.HashData(Encoding.ASCII.GetBytes(accessToken)));
        }

        if (nonce is not null)
        {
            claims["nonce"] = nonce;
        }

        change?.Invoke(header, claims);
        var input = Encode(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Encode(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = header["alg"]?.GetValue<string>() == "HS256"
            ? HMACSHA256.HashData(Encoding.UTF8.GetBytes(PublicJwk().ToJsonString()), Encoding.ASCII.GetBytes(input))
            : _key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256);
        return input + "." + Encode(signature);
    }

    /// <summary>This key's private part as a jwk, for the proof that wrongly carries it.</summary>
    public JsonObject PrivateJwk()
    {
        var jwk = PublicJwk();
        jwk["d"] = Encode(_key.ExportParameters(true).D!);
        return jwk;
    }

    public void Dispose() => _key.Dispose();

    public static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The payload of a JWT, for reading the claims a test expects.</summary>
    public static JsonElement PayloadOf(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonDocument.Parse(Convert.FromBase64String(part.PadRight(part.Length + (4 - part.Length % 4) % 4, '='))).RootElement;
    }
}
