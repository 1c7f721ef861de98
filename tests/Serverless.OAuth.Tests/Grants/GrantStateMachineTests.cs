using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Grants.Tokens;
using Serverless.Testing;
using Serverless.Testing.InMemory;

namespace Serverless.OAuth.Tests.Grants;

/// <summary>
/// The code and refresh token state machines on in-memory stores, in milliseconds: a code is single-use (also under
/// concurrency) and its replay revokes what it issued; refresh tokens rotate on every use, a rotated one presented
/// after the grace window revokes the family, within it returns the same successor, and concurrent refreshes never
/// fork the family. What Table Storage itself guarantees (the conditional transactions) is tested against Azurite.
/// </summary>
public sealed class GrantStateMachineTests : IDisposable
{
    private const string Redirect = "https://app.example/callback";
    private static readonly ApiResource Api = new() { Identifier = "https://api.example", Name = "API", Scopes = [new ApiScope("read", "Read")] };

    private static readonly OAuthClient Client = new()
    {
        ClientId = "app",
        Name = "App",
        Type = ClientType.Public,
        RedirectUris = [Redirect],
        AllowedScopes = ["read", ScopeSet.OfflineAccess],
        AllowedGrantTypes = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken],
    };

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly OAuthServerOptions _options = new() { Issuer = "https://issuer.example" };
    private readonly AsymmetricSigningKey _key = AsymmetricSigningKey.Create("ES256");
    private readonly InMemoryGrantStore _grants;
    private readonly InMemoryRevocationStore _revocations;
    private readonly AuthorizationCodeGrant _codeGrant;
    private readonly RefreshTokenGrant _refreshGrant;

    public GrantStateMachineTests()
    {
        _grants = new InMemoryGrantStore(_clock);
        _revocations = new InMemoryRevocationStore(_clock);
        var apis = new Mock<IApiStore>();
        apis.Setup(a => a.GetCatalogAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new ApiCatalog([Api]));
        var keys = new Mock<ISigningKeyProvider>();
        keys.Setup(k => k.GetSigningKeyAsync(It.IsAny<CancellationToken>())).ReturnsAsync(_key);
        var issuer = new AccessTokenIssuer(keys.Object, _options, _clock);
        var idTokens = new IdTokenIssuer(new SigningKeyRing(new Dictionary<string, ISigningKeyProvider> { ["ES256"] = keys.Object }), _options, _clock);
        var revocation = new FamilyRevocation(_grants, _revocations, apis.Object, _options, _clock, NullLogger<FamilyRevocation>.Instance);
        _codeGrant = new AuthorizationCodeGrant(_grants, apis.Object, revocation, issuer, idTokens, _options, _clock);
        _refreshGrant = new RefreshTokenGrant(_grants, apis.Object, revocation, issuer, idTokens, _options, _clock);
    }

    public void Dispose() => _key.Dispose();

    [Fact]
    public async Task ACode_IsSingleUse_AndItsReplayRevokesWhatItIssued()
    {
        var (code, verifier) = await NewCodeAsync();
        var first = await ExchangeAsync(code, verifier);
        Assert.True(first.Succeeded);

        var replay = await ExchangeAsync(code, verifier);

        Assert.Equal(OAuthErrorCodes.InvalidGrant, replay.Error!.Error);
        Assert.Equal(OAuthErrorCodes.InvalidGrant, (await RefreshAsync(first.Value!.RefreshToken!)).Error!.Error);
        Assert.True(await _revocations.IsRevokedAsync(FamilyOf(code), "any-jti"));
    }

    [Fact]
    public async Task OfConcurrentRedemptions_ExactlyOneSucceeds()
    {
        var (code, verifier) = await NewCodeAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => ExchangeAsync(code, verifier))));

        Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Equal(OAuthErrorCodes.InvalidGrant, r.Error!.Error));
    }

    [Fact]
    public async Task ACode_ExpiresAfterItsLifetime_AndIsBoundToItsVerifier()
    {
        var (code, verifier) = await NewCodeAsync();
        Assert.Equal(OAuthErrorCodes.InvalidGrant, (await ExchangeAsync(code, verifier + "x")).Error!.Error);

        _clock.Advance(_options.AuthorizationCodeLifetime);

        Assert.Equal("The authorization code is invalid or expired.", (await ExchangeAsync(code, verifier)).Error!.Description);
    }

    [Fact]
    public async Task ARefreshToken_RotatesOnEveryUse()
    {
        var first = await SignInAsync();

        var second = await RefreshAsync(first);
        var third = await RefreshAsync(second.Value!.RefreshToken!);

        Assert.True(third.Succeeded);
        Assert.Equal(3, new[] { first, second.Value!.RefreshToken, third.Value!.RefreshToken }.Distinct().Count());
        Assert.StartsWith(FamilyOf(first) + ".", third.Value!.RefreshToken, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARotatedToken_PresentedAfterTheGraceWindow_RevokesTheWholeFamily()
    {
        var first = await SignInAsync();
        var second = (await RefreshAsync(first)).Value!.RefreshToken!;
        _clock.Advance(_options.RefreshTokenReuseGraceWindow);

        var reuse = await _refreshGrant.DetectReuseAsync(Form(first), default);

        Assert.Equal("The refresh token was already used; the authorization is revoked.", reuse.Error!.Description);
        Assert.Equal("The refresh token was revoked.", (await RefreshAsync(second)).Error!.Description);
        Assert.True(await _revocations.IsRevokedAsync(FamilyOf(first), "any-jti"));
    }

    [Fact]
    public async Task ARotatedToken_PresentedWithinTheGraceWindow_GetsTheSameSuccessor_AndTheFamilyLives()
    {
        var first = await SignInAsync();
        var second = (await RefreshAsync(first)).Value!.RefreshToken!;
        _clock.Advance(_options.RefreshTokenReuseGraceWindow - TimeSpan.FromSeconds(1));

        var retried = await RefreshAsync(first);

        Assert.Equal(second, retried.Value!.RefreshToken);
        Assert.True((await RefreshAsync(second)).Succeeded);
        Assert.False(await _revocations.IsRevokedAsync(FamilyOf(first), "any-jti"));
    }

    [Fact]
    public async Task WithTheGraceWindowOff_AnyReuseRevokes()
    {
        _options.RefreshTokenReuseGraceWindow = TimeSpan.Zero;
        var first = await SignInAsync();
        await RefreshAsync(first);

        Assert.Equal(OAuthErrorCodes.InvalidGrant, (await RefreshAsync(first)).Error!.Error);
        Assert.True(await _revocations.IsRevokedAsync(FamilyOf(first), "any-jti"));
    }

    [Fact]
    public async Task ConcurrentRefreshes_OfOneToken_NeverForkTheFamily()
    {
        var first = await SignInAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => RefreshAsync(first))));

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Description));
        var successor = Assert.Single(results.Select(r => r.Value!.RefreshToken).Distinct());
        Assert.True((await RefreshAsync(successor!)).Succeeded);
    }

    [Fact]
    public async Task AFamily_DiesAtItsAbsoluteLifetime_HoweverOftenItIsRefreshed()
    {
        _options.RefreshTokenIdleLifetime = TimeSpan.FromDays(2);
        _options.RefreshTokenAbsoluteLifetime = TimeSpan.FromDays(5);
        var token = await SignInAsync();
        for (var day = 0; day < 4; day++)
        {
            _clock.Advance(TimeSpan.FromDays(1));
            token = (await RefreshAsync(token)).Value!.RefreshToken!;
        }

        _clock.Advance(TimeSpan.FromDays(1));

        Assert.Equal("The refresh token is invalid or expired.", (await RefreshAsync(token)).Error!.Description);
    }

    [Fact]
    public async Task AnUnusedToken_DiesAtItsIdleLifetime()
    {
        var token = await SignInAsync();
        _clock.Advance(_options.RefreshTokenIdleLifetime);

        Assert.Equal("The refresh token is invalid or expired.", (await RefreshAsync(token)).Error!.Description);
    }

    private async Task<(string Code, string Verifier)> NewCodeAsync()
    {
        var verifier = SecretValues.NewSecret() + SecretValues.NewSecret();
        var now = _clock.GetUtcNow();
        var code = await _grants.CreateCodeAsync(
            new CodeGrant
            {
                ClientId = Client.ClientId,
                RedirectUri = Redirect,
                CodeChallenge = Pkce.ComputeChallenge(verifier),
                Scope = "read " + ScopeSet.OfflineAccess,
                Subject = "alice",
                AuthTime = now,
            },
            now + _options.AuthorizationCodeLifetime);
        return (code, verifier);
    }

    /// <summary>A code flow up to the first refresh token.</summary>
    private async Task<string> SignInAsync()
    {
        var (code, verifier) = await NewCodeAsync();
        return (await ExchangeAsync(code, verifier)).Value!.RefreshToken!;
    }

    private Task<OAuthResult<TokenResponse>> ExchangeAsync(string code, string verifier) =>
        _codeGrant.ExchangeAsync(
            Client, OAuthParameters.From(("grant_type", GrantTypes.AuthorizationCode), ("code", code), ("redirect_uri", Redirect), ("code_verifier", verifier)), dpopJkt: null, default);

    /// <summary>A refresh as the token endpoint runs it: reuse detection first, then the grant.</summary>
    private async Task<OAuthResult<TokenResponse>> RefreshAsync(string refreshToken)
    {
        var form = Form(refreshToken);
        var check = await _refreshGrant.DetectReuseAsync(form, default);
        return check.Succeeded ? await _refreshGrant.RefreshAsync(Client, form, check.Value, dpopJkt: null, default) : check.Error;
    }

    private static OAuthParameters Form(string refreshToken) =>
        OAuthParameters.From(("grant_type", GrantTypes.RefreshToken), ("refresh_token", refreshToken));

    private static string FamilyOf(string value) => value[..value.IndexOf('.', StringComparison.Ordinal)];
}
