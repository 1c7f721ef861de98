using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Clients.Assertions;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Clients;

namespace Serverless.OAuth.Tests.Clients;

/// <summary>A client's JWK Set is read strictly (public RSA and EC signing keys only), and its assertion parameters are read once.</summary>
public sealed class ClientJwksTests
{
    private static string EcKey(bool withPrivate = false, string? use = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(withPrivate);
        var d = withPrivate ? $",\"d\":\"{Base64UrlEncoder.Encode(p.D)}\"" : "";
        var u = use is null ? "" : $",\"use\":\"{use}\"";
        return $"{{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\",\"x\":\"{Base64UrlEncoder.Encode(p.Q.X)}\",\"y\":\"{Base64UrlEncoder.Encode(p.Q.Y)}\"{d}{u}}}";
    }

    [Fact]
    public void PublicEcAndRsaKeys_AreRead()
    {
        using var rsa = RSA.Create(2048);
        var r = rsa.ExportParameters(false);
        var rsaJwk = $"{{\"kty\":\"RSA\",\"kid\":\"r1\",\"n\":\"{Base64UrlEncoder.Encode(r.Modulus)}\",\"e\":\"{Base64UrlEncoder.Encode(r.Exponent)}\"}}";

        Assert.True(ClientJwks.TryRead($"{{\"keys\":[{EcKey()},{rsaJwk}]}}", out var keys, out var problem), problem);
        Assert.Equal(["k1", "r1"], keys.Select(k => k.KeyId));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"keys\":{}}")]
    [InlineData("{\"keys\":[]}")]
    [InlineData("{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}")]
    [InlineData("{\"keys\":[\"x\"]}")]
    public void AnythingButPublicAsymmetricSigningKeys_IsRefused(string json)
    {
        Assert.False(ClientJwks.TryRead(json, out _, out var problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void PrivateKeyMaterial_IsRefused_AndEncryptionKeysAreNotSigningKeys()
    {
        Assert.False(ClientJwks.TryRead($"{{\"keys\":[{EcKey(withPrivate: true)}]}}", out _, out var problem));
        Assert.Contains("private", problem);
        Assert.False(ClientJwks.TryRead($"{{\"keys\":[{EcKey(use: "enc")}]}}", out _, out _));
    }

    [Theory]
    [InlineData("https://client.example.com/jwks.json", true)]
    [InlineData("http://client.example.com/jwks.json", false)]
    [InlineData("https://user@client.example.com/jwks.json", false)]
    [InlineData("https://client.example.com/jwks.json#x", false)]
    [InlineData("/jwks.json", false)]
    public void AJwksUri_IsAnHttpsUrl(string uri, bool accepted) => Assert.Equal(accepted, ClientJwks.UriProblem(uri) is null);

    [Fact]
    public void AssertionParameters_AreOneMethod_OfTheJwtBearerType()
    {
        static OAuthParameters Form(params (string Name, string? Value)[] fields) => OAuthParameters.From(fields);
        const string Type = ClientAssertionAuthenticator.JwtBearerType;

        var read = ClientAuthenticator.ReadCredentials(null, Form(("client_assertion_type", Type), ("client_assertion", "a.b.c"), ("client_id", "c")));
        Assert.True(read.Succeeded);
        Assert.Equal(ClientCredentials.PrivateKeyJwt, read.Value.Method);
        Assert.Equal("a.b.c", read.Value.Assertion);

        Assert.Equal(OAuthErrorCodes.InvalidClient, ClientAuthenticator.ReadCredentials(null, Form(("client_assertion_type", "urn:other"), ("client_assertion", "a.b.c"))).Error!.Error);
        Assert.Equal(OAuthErrorCodes.InvalidClient, ClientAuthenticator.ReadCredentials(null, Form(("client_assertion_type", Type))).Error!.Error);
        Assert.Equal(OAuthErrorCodes.InvalidRequest, ClientAuthenticator.ReadCredentials("Basic Yzpz", Form(("client_assertion_type", Type), ("client_assertion", "a.b.c"))).Error!.Error);
        Assert.Equal(OAuthErrorCodes.InvalidRequest, ClientAuthenticator.ReadCredentials(null, Form(("client_assertion_type", Type), ("client_assertion", "a.b.c"), ("client_secret", "s"))).Error!.Error);
    }
}
