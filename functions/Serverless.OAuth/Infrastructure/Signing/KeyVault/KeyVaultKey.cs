using System.Security.Cryptography;
using System.Text.Json;

namespace Serverless.OAuth.Infrastructure.Signing.KeyVault;

/// <summary>A key bundle: the public members of the vault's JSON web key (never a private one) and its attributes.</summary>
public sealed record KeyVaultKey(
    string KeyId, string KeyType, string? Curve, string? X, string? Y, string? Modulus, string? Exponent, KeyVaultKeyAttributes Attributes)
{
    /// <summary>The JWS algorithm this key signs with: ES256 for an EC P-256 key, RS256 for an RSA key.</summary>
    public string SigningAlgorithm => KeyType switch
    {
        "EC" or "EC-HSM" when Curve == "P-256" => "ES256",
        "RSA" or "RSA-HSM" => "RS256",
        _ => throw new NotSupportedException($"Key {KeyId} ({KeyType} {Curve}) cannot sign ES256 or RS256; use an EC P-256 or RSA key."),
    };

    /// <summary>
    /// The key as JWKS publishes it. Its kid is the RFC 7638 thumbprint, as for local keys: stable for the key's life,
    /// and it does not reveal the vault's name.
    /// </summary>
    public PublicJsonWebKey ToPublicJsonWebKey() => SigningAlgorithm == "ES256"
        ? PublicJsonWebKey.FromEcdsa(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Decode(X), Y = Decode(Y) },
        })
        : PublicJsonWebKey.FromRsa(new RSAParameters { Modulus = TrimLeadingZeros(Decode(Modulus)), Exponent = TrimLeadingZeros(Decode(Exponent)) });

    internal static KeyVaultKey Read(JsonElement bundle)
    {
        var key = bundle.GetProperty("key");
        return new KeyVaultKey(
            key.GetProperty("kid").GetString()!,
            key.GetProperty("kty").GetString()!,
            Optional(key, "crv"),
            Optional(key, "x"),
            Optional(key, "y"),
            Optional(key, "n"),
            Optional(key, "e"),
            KeyVaultKeyAttributes.Read(bundle));
    }

    private static string? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] Decode(string? value) =>
        System.Buffers.Text.Base64Url.DecodeFromChars(value ?? throw new InvalidDataException("The vault's key is missing a public member."));

    /// <summary>JWK integers carry no leading zero octets (RFC 7518 §2); trimming keeps the thumbprint canonical.</summary>
    private static byte[] TrimLeadingZeros(byte[] value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return start == 0 ? value : value[start..];
    }
}
