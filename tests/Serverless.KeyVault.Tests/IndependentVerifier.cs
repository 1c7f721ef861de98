using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.KeyVault.Tests;

/// <summary>
/// Checks tokens as an outside resource server would: Microsoft.IdentityModel against JsonWebKeys parsed from the JWKS
/// document as it is served (JSON), never the signer's own key objects, and only the key whose kid the header names.
/// </summary>
public static class IndependentVerifier
{
    public const string Issuer = "https://issuer.example";

    public static OAuthServerOptions Options(SigningOptions signing, StorageOptions? storage = null) => new()
    {
        Issuer = Issuer,
        AccessTokenLifetime = TimeSpan.FromMinutes(10),
        Signing = signing,
        Storage = storage ?? new StorageOptions { ConnectionString = "UseDevelopmentStorage=true" },
    };

    public static async Task<string> IssueAsync(ISigningKeyProvider keys, OAuthServerOptions options, TimeProvider clock)
    {
        var issuer = new AccessTokenIssuer(keys, options, clock);
        var response = await issuer.IssueAsync("family1", "alice", "client1", ReadToken(options), null, null, CancellationToken.None);
        return response.AccessToken;
    }

    /// <summary>A token for the options' audience with the read scope.</summary>
    public static TokenTarget ReadToken(OAuthServerOptions options) =>
        new(new ApiResource { Identifier = options.EffectiveAudience, Name = "API" }, "read");

    public static string KeyIdOf(string token) => new JsonWebToken(token).Kid;

    public static string Jwks(IReadOnlyList<PublicJsonWebKey> published) => JsonSerializer.Serialize(new { keys = published });

    /// <summary>Asserts that the token verifies against the JWKS; answers its kid.</summary>
    public static async Task<string> AssertVerifiesAsync(string token, IReadOnlyList<PublicJsonWebKey> published, TimeProvider clock)
    {
        var result = await ValidateAsync(token, published, clock);
        Assert.True(result.IsValid, $"The token did not verify: {result.Exception?.GetType().Name} {result.Exception?.Message}");
        return KeyIdOf(token);
    }

    public static async Task<TokenValidationResult> ValidateAsync(string token, IReadOnlyList<PublicJsonWebKey> published, TimeProvider clock)
    {
        var set = new JsonWebKeySet(Jwks(published));
        foreach (var key in set.Keys)
        {
            Assert.False(string.IsNullOrEmpty(key.Kid));
            Assert.Equal("sig", key.Use);
            Assert.Contains(key.Alg, new[] { "ES256", "RS256" });
            Assert.True(string.IsNullOrEmpty(key.D), "A private member was published.");
        }

        var handler = new JsonWebTokenHandler();
        return await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Issuer + "/resource",
            ValidTypes = ["at+jwt"],
            ValidAlgorithms = ["ES256", "RS256"],
            IssuerSigningKeys = set.Keys,
            TryAllIssuerSigningKeys = false,
            RequireSignedTokens = true,
            LifetimeValidator = (notBefore, expires, _, _) => expires > clock.GetUtcNow().UtcDateTime,
        });
    }
}
