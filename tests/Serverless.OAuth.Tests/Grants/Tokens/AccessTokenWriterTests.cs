using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Tests.Grants.Tokens;

public sealed class AccessTokenWriterTests
{
    [Theory]
    [InlineData("ES256")]
    [InlineData("RS256")]
    public async Task TokenVerifiesWithAnIndependentValidator_AgainstThePublishedJwk(string algorithm)
    {
        using var key = AsymmetricSigningKey.Create(algorithm);
        var now = DateTimeOffset.UtcNow;
        var claims = new AccessTokenClaims("user-1", "client-1", "read write", "fam.jti", now, now.AddMinutes(10), now.AddMinutes(-1));

        var token = await AccessTokenWriter.WriteAsync(key, "https://issuer.example", "https://issuer.example/resource", claims, default);

        var published = key.PublicKey;
        var jwk = new JsonWebKey { Kty = published.KeyType, Kid = published.KeyId, Crv = published.Curve, X = published.X, Y = published.Y, N = published.Modulus, E = published.Exponent };
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "https://issuer.example",
            ValidAudience = "https://issuer.example/resource",
            IssuerSigningKey = jwk,
            ValidTypes = ["at+jwt"],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        var jwt = (JsonWebToken)result.SecurityToken;
        Assert.Equal(algorithm, jwt.Alg);
        Assert.Equal(published.KeyId, jwt.Kid);
        Assert.Equal("user-1", jwt.Subject);
        Assert.Equal("client-1", jwt.GetClaim("client_id").Value);
        Assert.Equal("read write", jwt.GetClaim("scope").Value);
        Assert.Equal("fam.jti", jwt.Id);
        Assert.Equal(now.AddMinutes(-1).ToUnixTimeSeconds(), jwt.GetPayloadValue<long>("auth_time"));
    }

    [Fact]
    public void KeyId_IsTheRfc7638Thumbprint()
    {
        // RFC 7638 §3.1's example key and thumbprint.
        var kid = PublicJsonWebKey.Thumbprint(
            "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw\"}");

        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", kid);
    }
}
