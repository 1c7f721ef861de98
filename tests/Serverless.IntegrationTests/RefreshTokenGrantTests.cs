using System.Net;
using Serverless.OAuth.Clients;

namespace Serverless.IntegrationTests;

/// <summary>grant_type=refresh_token: rotation, reuse detection with a grace window, lifetimes, scope and client binding.</summary>
public sealed class RefreshTokenGrantTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private OAuthClient _client = null!;
    private string _username = null!;

    protected override Task<LocalServer> StartServerAsync() => LocalServer.StartAsync(new()
    {
        ["OAuth:RefreshTokenReuseGraceWindow"] = "00:00:05",
        ["OAuth:RefreshTokenIdleLifetime"] = "1.00:00:00",
        ["OAuth:RefreshTokenAbsoluteLifetime"] = "3.00:00:00",
    });

    protected override async Task SetUpAsync()
    {
        _client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        _username = (await Server.AddUserAsync()).Username;
    }

    private async Task<(string AccessToken, string RefreshToken)> SignInAsync(string scope = "read write offline_access", OAuthClient? client = null)
    {
        client ??= _client;
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(client.ClientId, Redirect, _username, challenge, scope);
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));
        Assert.NotNull(refreshToken);
        return (accessToken, refreshToken!);
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken, string? scope = null, string? clientId = null)
    {
        var form = new List<(string, string)> { ("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientId ?? _client.ClientId) };
        if (scope is not null)
        {
            form.Add(("scope", scope));
        }

        return Flow.PostTokenAsync(form);
    }

    [Fact]
    public async Task Refresh_RotatesTheRefreshToken_AndIssuesAWorkingAccessToken()
    {
        var (_, first) = await SignInAsync();

        var (accessToken, second, body) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(first));

        Assert.NotNull(second);
        Assert.NotEqual(first, second);
        Assert.Equal("read write offline_access", body.GetProperty("scope").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Flow.GetResourceAsync(accessToken)).StatusCode);
        var (_, third, _) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(second!));
        Assert.NotEqual(second, third);
    }

    [Fact]
    public async Task ExpiredAccessToken_IsInvalidToken_ThenRefreshWithoutTheUser_Works()
    {
        var (accessToken, refreshToken) = await SignInAsync();
        Server.Clock.Advance(TimeSpan.FromMinutes(11));
        var expired = await Flow.GetResourceAsync(accessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("invalid_token", expired.Headers.WwwAuthenticate.ToString());

        var (fresh, _, _) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(refreshToken));

        Assert.Equal(HttpStatusCode.OK, (await Flow.GetResourceAsync(fresh)).StatusCode);
    }

    [Fact]
    public async Task RotatedTokenWithinTheGraceWindow_ReturnsTheSameSuccessor()
    {
        var (_, first) = await SignInAsync();
        var (_, successor, _) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(first));
        Server.Clock.Advance(TimeSpan.FromSeconds(3));

        var (accessToken, again, _) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(first));

        Assert.Equal(successor, again);
        Assert.Equal(HttpStatusCode.OK, (await Flow.GetResourceAsync(accessToken)).StatusCode);
        await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(successor!)); // the family goes on
    }

    [Fact]
    public async Task RotatedTokenAfterTheGraceWindow_RevokesTheWholeFamily()
    {
        var (_, first) = await SignInAsync();
        var (accessToken, successor, _) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(first));
        Server.Clock.Advance(TimeSpan.FromSeconds(6));

        await OAuthFlow.AssertOAuthErrorAsync(await RefreshAsync(first), HttpStatusCode.BadRequest, "invalid_grant");

        await OAuthFlow.AssertOAuthErrorAsync(await RefreshAsync(successor!), HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Flow.GetResourceAsync(accessToken)).StatusCode);
    }

    [Fact]
    public async Task TwentyConcurrentRefreshes_LeaveOneLiveFamily_AllGetTheSameSuccessor()
    {
        var (_, first) = await SignInAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => RefreshAsync(first)));

        var successors = new HashSet<string>();
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                successors.Add((await TokenSupport.ReadTokenResponseAsync(response)).RefreshToken!);
            }
            else
            {
                await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
            }
        }

        // One rotation committed; every other request either got that same successor (grace) or invalid_grant.
        var successor = Assert.Single(successors);
        await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(successor));
    }

    [Fact]
    public async Task IdleLifetime_ExpiresAnUnusedToken()
    {
        var (_, refreshToken) = await SignInAsync();

        Server.Clock.Advance(TimeSpan.FromHours(25));

        await OAuthFlow.AssertOAuthErrorAsync(await RefreshAsync(refreshToken), HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AbsoluteLifetime_EndsTheFamily_EvenWhenUsed()
    {
        var (_, token) = await SignInAsync();
        for (var day = 0; day < 2; day++)
        {
            Server.Clock.Advance(TimeSpan.FromHours(20));
            token = (await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(token))).RefreshToken!;
        }

        Server.Clock.Advance(TimeSpan.FromHours(33)); // 73 h after sign-in, 33 h idle: past the 3-day absolute lifetime

        await OAuthFlow.AssertOAuthErrorAsync(await RefreshAsync(token), HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AbsoluteLifetime_CapsTheIdleExtension()
    {
        var (_, token) = await SignInAsync();
        for (var step = 0; step < 3; step++)
        {
            Server.Clock.Advance(TimeSpan.FromHours(23));
            token = (await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(token))).RefreshToken!;
        }

        Server.Clock.Advance(TimeSpan.FromHours(4)); // 73 h: the idle lifetime alone would allow it

        await OAuthFlow.AssertOAuthErrorAsync(await RefreshAsync(token), HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task Scope_MayBeNarrowed_NeverWidened()
    {
        var (_, refreshToken) = await SignInAsync("read offline_access");

        var (narrowToken, next, body) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(refreshToken, scope: "read"));
        Assert.Equal("read", body.GetProperty("scope").GetString());

        await OAuthFlow.AssertOAuthErrorAsync(await RefreshAsync(next!, scope: "read write"), HttpStatusCode.BadRequest, "invalid_scope");
        // The refresh token keeps the original grant (RFC 6749 §6): the full scope is still available.
        var (_, _, full) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(next!));
        Assert.Equal("read offline_access", full.GetProperty("scope").GetString());
        // The narrowed access token itself carries only the narrowed scope, not just the response's "scope".
        var narrowed = await TokenSupport.ValidateAgainstJwksAsync(Flow.Http, narrowToken, Server.Issuer, Server.Issuer + "/resource");
        Assert.Equal("read", narrowed.GetClaim("scope").Value);
    }

    [Fact]
    public async Task AnotherClientPresentingTheToken_IsInvalidGrant()
    {
        var (_, refreshToken) = await SignInAsync();
        var other = await Server.AddPublicClientAsync(redirectUris: Redirect);

        await OAuthFlow.AssertOAuthErrorAsync(await RefreshAsync(refreshToken, clientId: other.ClientId), HttpStatusCode.BadRequest, "invalid_grant");

        // And the rightful client still can.
        await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(refreshToken));
    }

    [Fact]
    public async Task ClientWithoutTheRefreshGrant_GetsNoRefreshToken()
    {
        var client = await Server.AddPublicClientAsync(grants: ["authorization_code"], redirectUris: Redirect);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(client.ClientId, Redirect, _username, challenge);

        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));

        Assert.Null(refreshToken);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")]
    public async Task UnknownRefreshToken_IsInvalidGrant(string token)
    {
        await OAuthFlow.AssertOAuthErrorAsync(await RefreshAsync(token), HttpStatusCode.BadRequest, "invalid_grant");
    }
}
