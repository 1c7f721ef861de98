using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Endpoints.Dpop;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Protocol;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Endpoints.Dpop;

/// <summary>Each rule of RFC 9449 §4.3 on its own: the valid proof passes, and each change of one thing is refused.</summary>
public sealed class DpopProofValidatorTests : IAsyncLifetime, IDisposable
{
    private const string TokenUrl = "https://as.example/token";
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly DpopKey _key = new();
    private readonly OAuthServerOptions _options = new() { Issuer = "https://as.example" };
    private DpopProofValidator _validator = null!;

    public async Task InitializeAsync() => _validator = await NewValidatorAsync(_options);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _key.Dispose();

    private async Task<DpopProofValidator> NewValidatorAsync(OAuthServerOptions options)
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var tables = new OAuthTables(storage);
        return new DpopProofValidator(new OneTimeIds(tables, new ExpiryIndex(tables, 4), _clock), new DpopNonces(options, _clock), options, _clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DpopProofValidator>.Instance);
    }

    private Task<OAuthResult<DpopBinding>> ValidateAsync(string proof, string method = "POST", string url = TokenUrl, string? accessToken = null) =>
        _validator.ValidateAsync(new StringValues(proof), method, url, accessToken, CancellationToken.None);

    private string Proof(Action<JsonObject, JsonObject>? change = null) => _key.Proof("POST", TokenUrl, _clock.GetUtcNow(), change: change);

    private static void AssertRefused(OAuthResult<DpopBinding> result, string because)
    {
        Assert.False(result.Succeeded);
        Assert.Equal(OAuthErrorCodes.InvalidDpopProof, result.Error.Error);
        Assert.Contains(because, result.Error.Description);
    }

    [Fact]
    public async Task AValidProof_GivesTheKeysRfc7638Thumbprint()
    {
        var result = await ValidateAsync(Proof());

        Assert.True(result.Succeeded);
        Assert.Equal(_key.Thumbprint, result.Value.KeyThumbprint);
    }

    [Fact]
    public async Task NoHeader_IsNoProof_AndTwoHeadersAreRefused()
    {
        var none = await _validator.ValidateAsync(StringValues.Empty, "POST", TokenUrl, null, CancellationToken.None);
        Assert.True(none.Succeeded);
        Assert.Null(none.Value.KeyThumbprint);

        var two = await _validator.ValidateAsync(new StringValues([Proof(), Proof()]), "POST", TokenUrl, null, CancellationToken.None);
        AssertRefused(two, "exactly one");
    }

    [Fact]
    public async Task TheThumbprint_IsRfc7638sExample()
    {
        // RFC 7638 §3.1's RSA key and its thumbprint.
        var key = new Microsoft.IdentityModel.Tokens.JsonWebKey
        {
            Kty = "RSA",
            E = "AQAB",
            N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        };

        Assert.Equal("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs", DpopProofValidator.Thumbprint(key));
    }

    [Fact]
    public async Task AnotherTyp_IsRefused() => AssertRefused(await ValidateAsync(Proof((h, _) => h["typ"] = "JWT")), "typ");

    [Theory]
    [InlineData("HS256")]
    [InlineData("none")]
    public async Task ASymmetricOrNoAlg_IsRefused(string alg) => AssertRefused(await ValidateAsync(Proof((h, _) => h["alg"] = alg)), "alg");

    [Fact]
    public async Task APrivateKeyInTheJwk_IsRefused() => AssertRefused(await ValidateAsync(Proof((h, _) => h["jwk"] = _key.PrivateJwk())), "jwk");

    [Fact]
    public async Task ASymmetricJwk_IsRefused() =>
        AssertRefused(await ValidateAsync(Proof((h, _) => h["jwk"] = new JsonObject { ["kty"] = "oct", ["k"] = "c2VjcmV0" })), "jwk");

    [Fact]
    public async Task NoJwk_IsRefused() => AssertRefused(await ValidateAsync(Proof((h, _) => h.Remove("jwk"))), "jwk");

    [Fact]
    public async Task ASignatureByAnotherKey_IsRefused()
    {
        using var other = new DpopKey();
        AssertRefused(await ValidateAsync(Proof((h, _) => h["jwk"] = other.PublicJwk())), "signature");
    }

    [Fact]
    public async Task AChangedPayload_IsRefused()
    {
        var parts = Proof().Split('.');
        var changed = _key.Proof("POST", TokenUrl, _clock.GetUtcNow().AddSeconds(1)).Split('.')[1];
        AssertRefused(await ValidateAsync(parts[0] + "." + changed + "." + parts[2]), "signature");
    }

    [Fact]
    public async Task AnotherMethod_IsRefused() => AssertRefused(await ValidateAsync(Proof(), method: "GET"), "htm");

    [Theory]
    [InlineData("https://as.example/userinfo")]
    [InlineData("https://evil.example/token")]
    [InlineData("http://as.example/token")]
    [InlineData("https://as.example:8443/token")]
    [InlineData("/token")]
    public async Task AnotherUrl_IsRefused(string htu) => AssertRefused(await ValidateAsync(Proof((_, c) => c["htu"] = htu)), "htu");

    [Theory]
    [InlineData("https://AS.example/token")]
    [InlineData("https://as.example:443/token")]
    [InlineData("https://as.example/token?x=1")]
    [InlineData("https://as.example/token#f")]
    public async Task TheSameUrl_InAnotherSpellingOrWithQuery_IsAccepted(string htu) =>
        Assert.True((await ValidateAsync(Proof((_, c) => c["htu"] = htu))).Succeeded);

    [Theory]
    [InlineData(-95)]
    [InlineData(31)]
    public async Task AnIatOutsideTheWindow_IsRefused(int seconds) =>
        AssertRefused(await ValidateAsync(_key.Proof("POST", TokenUrl, _clock.GetUtcNow().AddSeconds(seconds))), "iat");

    [Theory]
    [InlineData(-85)]
    [InlineData(25)]
    public async Task AnIatWithinTheWindowAndSkew_IsAccepted(int seconds) =>
        Assert.True((await ValidateAsync(_key.Proof("POST", TokenUrl, _clock.GetUtcNow().AddSeconds(seconds)))).Succeeded);

    [Fact]
    public async Task NoJti_IsRefused() => AssertRefused(await ValidateAsync(Proof((_, c) => c.Remove("jti"))), "jti");

    [Fact]
    public async Task AProofUsedTwice_IsRefused_EvenByAnotherInstance()
    {
        var proof = Proof();
        Assert.True((await ValidateAsync(proof)).Succeeded);

        // Another instance shares only the storage: the replay is seen there.
        AssertRefused(await ValidateAsync(proof), "used before");
    }

    [Fact]
    public async Task AtAResource_AthMustHashTheAccessToken()
    {
        const string url = "https://as.example/userinfo";
        Assert.True((await ValidateAsync(_key.Proof("GET", url, _clock.GetUtcNow(), accessToken: "token-a"), "GET", url, "token-a")).Succeeded);
        AssertRefused(await ValidateAsync(_key.Proof("GET", url, _clock.GetUtcNow(), accessToken: "token-b"), "GET", url, "token-a"), "ath");
        AssertRefused(await ValidateAsync(_key.Proof("GET", url, _clock.GetUtcNow()), "GET", url, "token-a"), "ath");
    }

    [Fact]
    public async Task WithNoncesRequired_AProofWithoutOne_GetsUseDpopNonce_AndAnotherInstancesNonceIsAccepted()
    {
        var key = Convert.ToBase64String(new byte[32]);
        var options = new OAuthServerOptions { Issuer = "https://as.example", Dpop = { RequireNonce = true, NonceKey = key } };
        var validator = await NewValidatorAsync(options);
        var otherInstance = new DpopNonces(new OAuthServerOptions { Dpop = { RequireNonce = true, NonceKey = key } }, _clock);

        var first = await validator.ValidateAsync(new StringValues(Proof()), "POST", TokenUrl, null, CancellationToken.None);
        Assert.Equal(OAuthErrorCodes.UseDpopNonce, first.Error?.Error);
        Assert.NotNull(first.Error?.DpopNonce);

        var nonce = otherInstance.Current();
        var second = await validator.ValidateAsync(
            new StringValues(_key.Proof("POST", TokenUrl, _clock.GetUtcNow(), nonce: nonce)), "POST", TokenUrl, null, CancellationToken.None);
        Assert.True(second.Succeeded);

        // A nonce lives one to two steps: after two it is refused, with a new one.
        _clock.Advance(options.Dpop.NonceLifetime * 2);
        var stale = await validator.ValidateAsync(
            new StringValues(_key.Proof("POST", TokenUrl, _clock.GetUtcNow(), nonce: nonce)), "POST", TokenUrl, null, CancellationToken.None);
        Assert.Equal(OAuthErrorCodes.UseDpopNonce, stale.Error?.Error);
        Assert.NotEqual(nonce, stale.Error?.DpopNonce);
    }

    [Fact]
    public void RequireNonce_WithoutAKey_IsAConfigurationError() =>
        Assert.Contains(new DpopOptions { RequireNonce = true }.Validate(), p => p.Contains("NonceKey"));
}
