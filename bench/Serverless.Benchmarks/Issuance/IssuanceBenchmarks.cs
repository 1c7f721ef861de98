using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.Benchmarks.Issuance;

/// <summary>
/// One client_credentials token, three ways, with the same key and claims: Microsoft.IdentityModel's CreateToken (the
/// baseline a general-purpose library reaches), the server's JWT writer alone, and the server's whole token-response
/// path (form, client authentication, grant, JWT, JSON response).
/// </summary>
[MemoryDiagnoser]
public class IssuanceBenchmarks
{
    private InProcessTokenServer _server = null!;
    private JsonWebTokenHandler _handler = null!;
    private SigningCredentials _credentials = null!;
    private IDisposable _rawKey = null!;

    [Params("ES256", "RS256")]
    public string Algorithm { get; set; } = "ES256";

    [GlobalSetup]
    public void Setup()
    {
        _server = new InProcessTokenServer(Algorithm);
        SecurityKey key;
        if (Algorithm == "ES256")
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(_server.PrivateKeyPkcs8, out _);
            _rawKey = ecdsa;
            key = new ECDsaSecurityKey(ecdsa) { KeyId = _server.SigningKey.KeyId };
        }
        else
        {
            var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(_server.PrivateKeyPkcs8, out _);
            _rawKey = rsa;
            key = new RsaSecurityKey(rsa) { KeyId = _server.SigningKey.KeyId };
        }

        _credentials = new SigningCredentials(key, Algorithm);
        _handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        if (FullTokenResponse() != 200)
        {
            throw new InvalidOperationException("The token endpoint did not answer 200.");
        }

        SignProof();
        if (DpopBoundTokenResponse() != 200)
        {
            throw new InvalidOperationException("The token endpoint did not answer 200 to a DPoP proof.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server.Dispose();
        _rawKey.Dispose();
        _dpopKey.Dispose();
    }

    [Benchmark(Baseline = true, Description = "JsonWebTokenHandler.CreateToken")]
    public string RawCreateToken()
    {
        var now = DateTime.UtcNow;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = AccessTokenWriter.TokenType,
            Issuer = _server.Issuer,
            Audience = _server.Audience,
            IssuedAt = now,
            Expires = now.AddMinutes(10),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = InProcessTokenServer.ClientId,
                ["client_id"] = InProcessTokenServer.ClientId,
                ["scope"] = "read",
                ["jti"] = SecretValues.Compose(SecretValues.NewId(), SecretValues.NewId()),
            },
            SigningCredentials = _credentials,
        });
    }

    [Benchmark(Description = "AccessTokenWriter (JWT only)")]
    public string WriterOnly()
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new AccessTokenClaims(
            InProcessTokenServer.ClientId, InProcessTokenServer.ClientId, "read", SecretValues.Compose(SecretValues.NewId(), SecretValues.NewId()), now, now.AddMinutes(10), null);
        return AccessTokenWriter.WriteAsync(_server.SigningKey, _server.Issuer, _server.Audience, claims, default).AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "full token response (POST /token path)")]
    public int FullTokenResponse() => _server.IssueAsync(Stream.Null).GetAwaiter().GetResult();

    /// <summary>
    /// The same path with a DPoP proof (RFC 9449): the proof's header, key, signature and claims checked, the token bound
    /// (cnf.jkt). The client's ES256 proof is signed once and re-signed every 20 s so its iat stays in the window; the
    /// jti's storage insert is left out (see <see cref="NoReplayStore"/>).
    /// </summary>
    [Benchmark(Description = "DPoP-bound token response (POST /token path + proof check)")]
    public int DpopBoundTokenResponse()
    {
        if (DateTimeOffset.UtcNow - _proofSignedAt > TimeSpan.FromSeconds(20))
        {
            SignProof();
        }

        return _server.IssueAsync(Stream.Null, _proof).GetAwaiter().GetResult();
    }

    private readonly ECDsa _dpopKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private string _proof = "";
    private DateTimeOffset _proofSignedAt;

    private void SignProof()
    {
        _proofSignedAt = DateTimeOffset.UtcNow;
        var p = _dpopKey.ExportParameters(false);
        var header = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["typ"] = "dpop+jwt",
            ["alg"] = "ES256",
            ["jwk"] = new Dictionary<string, string> { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = Base64Url.Encode(p.Q.X), ["y"] = Base64Url.Encode(p.Q.Y) },
        });
        var claims = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["jti"] = SecretValues.NewId(),
            ["htm"] = "POST",
            ["htu"] = _server.Issuer + "/token",
            ["iat"] = _proofSignedAt.ToUnixTimeSeconds(),
        });
        var input = Base64Url.Encode(Encoding.UTF8.GetBytes(header)) + "." + Base64Url.Encode(Encoding.UTF8.GetBytes(claims));
        _proof = input + "." + Base64Url.Encode(_dpopKey.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }
}
