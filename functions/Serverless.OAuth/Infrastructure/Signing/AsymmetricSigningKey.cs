using System.Security.Cryptography;

namespace Serverless.OAuth.Infrastructure.Signing;

/// <summary>A signing key held in this process (Local mode, and KeyVaultWrapped once unwrapped).</summary>
public sealed class AsymmetricSigningKey : ISigningKey, IDisposable
{
    // An ECDsa (ES256) or an RSA (RS256) key.
    private readonly AsymmetricAlgorithm _key;

    private AsymmetricSigningKey(AsymmetricAlgorithm key, PublicJsonWebKey publicKey)
    {
        _key = key;
        PublicKey = publicKey;
    }

    public string KeyId => PublicKey.KeyId;

    public string Algorithm => PublicKey.Algorithm;

    public PublicJsonWebKey PublicKey { get; }

    public static AsymmetricSigningKey Create(string algorithm) => algorithm switch
    {
        "ES256" => FromEcdsa(ECDsa.Create(ECCurve.NamedCurves.nistP256)),
        "RS256" => FromRsa(RSA.Create(2048)),
        _ => throw new ArgumentException($"Unsupported algorithm '{algorithm}'.", nameof(algorithm)),
    };

    /// <summary>Loads a PKCS#8 private key.</summary>
    public static AsymmetricSigningKey Import(string algorithm, ReadOnlySpan<byte> pkcs8)
    {
        if (algorithm == "ES256")
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(pkcs8, out _);
            return FromEcdsa(ecdsa);
        }

        var rsa = RSA.Create();
        rsa.ImportPkcs8PrivateKey(pkcs8, out _);
        return FromRsa(rsa);
    }

    public byte[] ExportPkcs8() => _key.ExportPkcs8PrivateKey();

    public ValueTask<byte[]> SignDigestAsync(byte[] digest, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SignDigest(digest));

    public byte[] SignDigest(ReadOnlySpan<byte> digest) => _key switch
    {
        ECDsa ecdsa => ecdsa.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
        RSA rsa => rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => throw new InvalidOperationException("A signing key is ECDsa or RSA."),
    };

    public void Dispose() => _key.Dispose();

    private static AsymmetricSigningKey FromEcdsa(ECDsa ecdsa) =>
        new(ecdsa, PublicJsonWebKey.FromEcdsa(ecdsa.ExportParameters(includePrivateParameters: false)));

    private static AsymmetricSigningKey FromRsa(RSA rsa) =>
        new(rsa, PublicJsonWebKey.FromRsa(rsa.ExportParameters(includePrivateParameters: false)));
}
