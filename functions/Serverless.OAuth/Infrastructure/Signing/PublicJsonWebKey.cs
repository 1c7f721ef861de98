using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Infrastructure.Signing;

/// <summary>A public JWK (RFC 7517) as JWKS publishes it: never a private member.</summary>
public sealed record PublicJsonWebKey
{
    [JsonPropertyName("kty")]
    public required string KeyType { get; init; }

    [JsonPropertyName("use")]
    public string Use { get; init; } = "sig";

    [JsonPropertyName("kid")]
    public required string KeyId { get; init; }

    [JsonPropertyName("alg")]
    public required string Algorithm { get; init; }

    [JsonPropertyName("crv"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Curve { get; init; }

    [JsonPropertyName("x"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? X { get; init; }

    [JsonPropertyName("y"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Y { get; init; }

    [JsonPropertyName("n"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Modulus { get; init; }

    [JsonPropertyName("e"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Exponent { get; init; }

    public static PublicJsonWebKey FromEcdsa(ECParameters p, string? keyId = null)
    {
        var x = Base64Url.Encode(p.Q.X);
        var y = Base64Url.Encode(p.Q.Y);
        return new PublicJsonWebKey
        {
            KeyType = "EC",
            Algorithm = "ES256",
            Curve = "P-256",
            X = x,
            Y = y,
            KeyId = keyId ?? Thumbprint($$"""{"crv":"P-256","kty":"EC","x":"{{x}}","y":"{{y}}"}"""),
        };
    }

    public static PublicJsonWebKey FromRsa(RSAParameters p, string? keyId = null)
    {
        var n = Base64Url.Encode(p.Modulus);
        var e = Base64Url.Encode(p.Exponent);
        return new PublicJsonWebKey
        {
            KeyType = "RSA",
            Algorithm = "RS256",
            Modulus = n,
            Exponent = e,
            KeyId = keyId ?? Thumbprint($$"""{"e":"{{e}}","kty":"RSA","n":"{{n}}"}"""),
        };
    }

    /// <summary>The JWK thumbprint (RFC 7638) of the required members in lexicographic order, as the default kid.</summary>
    public static string Thumbprint(string canonicalJson) => Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));
}
