using System.Security.Claims;
using System.Security.Cryptography;
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
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server.Dispose();
        _rawKey.Dispose();
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
}
