using System.Security.Cryptography;

namespace Serverless.OAuth.Signing;

/// <summary>A signing key held in this process (Local mode, and KeyVaultWrapped once unwrapped).</summary>
public sealed class AsymmetricSigningKey : ISigningKey, IDisposable
{
    private readonly ECDsa? _ecdsa;
    private readonly RSA? _rsa;

    private AsymmetricSigningKey(ECDsa? ecdsa, RSA? rsa, PublicJsonWebKey publicKey)
    {
        _ecdsa = ecdsa;
        _rsa = rsa;
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

    public byte[] ExportPkcs8() => _ecdsa?.ExportPkcs8PrivateKey() ?? _rsa!.ExportPkcs8PrivateKey();

    public ValueTask<byte[]> SignDigestAsync(byte[] digest, CancellationToken cancellationToken) =>
        ValueTask.FromResult(SignDigest(digest));

    public byte[] SignDigest(ReadOnlySpan<byte> digest) =>
        _ecdsa is not null
            ? _ecdsa.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            : _rsa!.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public void Dispose()
    {
        _ecdsa?.Dispose();
        _rsa?.Dispose();
    }

    private static AsymmetricSigningKey FromEcdsa(ECDsa ecdsa) =>
        new(ecdsa, null, PublicJsonWebKey.FromEcdsa(ecdsa.ExportParameters(includePrivateParameters: false)));

    private static AsymmetricSigningKey FromRsa(RSA rsa) =>
        new(null, rsa, PublicJsonWebKey.FromRsa(rsa.ExportParameters(includePrivateParameters: false)));
}
