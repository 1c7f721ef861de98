using System.Net;
using System.Text.Json;
using Serverless.OAuth.Clients;

namespace Serverless.IntegrationTests;

/// <summary>POST /revoke (RFC 7009) and POST /introspect (RFC 7662).</summary>
public sealed class RevocationAndIntrospectionTests : LocalServerTest
{
    private OAuthClient _client = null!;
    private string _secret = null!;
    private string _username = null!;

    protected override async Task SetUpAsync()
    {
        (_client, _secret) = await Server.AddConfidentialClientAsync();
        _username = (await Server.AddUserAsync()).Username;
    }

    private async Task<(string AccessToken, string RefreshToken)> SignInAsync()
    {
        var response = await Flow.SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", _client.ClientId), ("redirect_uri", _client.RedirectUris[0]), ("scope", "read offline_access")),
            _username,
            LocalServer.Password);
        var code = OAuthFlow.RedirectParameters(response)["code"];
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", _client.RedirectUris[0])], (_client.ClientId, _secret)));
        return (accessToken, refreshToken!);
    }

    private Task<HttpResponseMessage> RevokeAsync(string token, string? hint = null, (string, string)? credentials = null)
    {
        var form = new List<(string, string)> { ("token", token) };
        if (hint is not null)
        {
            form.Add(("token_type_hint", hint));
        }

        return Flow.PostFormAsync("revoke", form, credentials ?? (_client.ClientId, _secret));
    }

    private async Task<JsonElement> IntrospectAsync(string token, (string, string)? credentials = null)
    {
        var response = await Flow.PostFormAsync("introspect", [("token", token)], credentials ?? (_client.ClientId, _secret));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return await OAuthFlow.JsonAsync(response);
    }

    private Task<HttpResponseMessage> RefreshAsync(string refreshToken) =>
        Flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", refreshToken)], (_client.ClientId, _secret));

    [Fact]
    public async Task RevokingARefreshToken_RevokesItsFamily_ThenRefreshFails_AndItsAccessTokensStop()
    {
        var (accessToken, refreshToken) = await SignInAsync();
        var (laterAccess, successor, _) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(refreshToken));

        var revoke = await RevokeAsync(successor!);

        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await OAuthFlow.AssertOAuthErrorAsync(await RefreshAsync(successor!), HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Flow.GetResourceAsync(accessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Flow.GetResourceAsync(laterAccess)).StatusCode);
    }

    [Fact]
    public async Task RevokingAnAccessToken_StopsIt_AtTheResource_ButNotItsRefreshToken()
    {
        var (accessToken, refreshToken) = await SignInAsync();
        Assert.Equal(HttpStatusCode.OK, (await Flow.GetResourceAsync(accessToken)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await RevokeAsync(accessToken, hint: "access_token")).StatusCode);

        var resource = await Flow.GetResourceAsync(accessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, resource.StatusCode);
        Assert.Contains("revoked", resource.Headers.WwwAuthenticate.ToString());
        await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(refreshToken));
    }

    [Fact]
    public async Task RevokingAClientCredentialsToken_Works()
    {
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(
            await Flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read")], (_client.ClientId, _secret)));

        Assert.Equal(HttpStatusCode.OK, (await RevokeAsync(accessToken)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Flow.GetResourceAsync(accessToken)).StatusCode);
    }

    [Theory]
    [InlineData("unknown-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")]
    public async Task UnknownToken_Answers200(string token)
    {
        Assert.Equal(HttpStatusCode.OK, (await RevokeAsync(token)).StatusCode);
    }

    [Fact]
    public async Task AClientCannotRevokeAnotherClientsToken()
    {
        var (accessToken, refreshToken) = await SignInAsync();
        var (other, otherSecret) = await Server.AddConfidentialClientAsync();

        await OAuthFlow.AssertOAuthErrorAsync(await RevokeAsync(refreshToken, credentials: (other.ClientId, otherSecret)), HttpStatusCode.BadRequest, "unauthorized_client");
        await OAuthFlow.AssertOAuthErrorAsync(await RevokeAsync(accessToken, credentials: (other.ClientId, otherSecret)), HttpStatusCode.BadRequest, "unauthorized_client");

        Assert.Equal(HttpStatusCode.OK, (await Flow.GetResourceAsync(accessToken)).StatusCode);
        await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(refreshToken));
    }

    [Fact]
    public async Task RevocationRequiresClientAuthentication()
    {
        var (_, refreshToken) = await SignInAsync();

        var response = await Flow.PostFormAsync("revoke", [("token", refreshToken)]);

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task Introspection_OfActiveTokens_GivesTheirClaims()
    {
        var (accessToken, refreshToken) = await SignInAsync();
        var user = await Server.Get<Serverless.OAuth.Identity.Users.IUserStore>().FindAsync(_username);

        var access = await IntrospectAsync(accessToken);
        var refresh = await IntrospectAsync(refreshToken);

        Assert.True(access.GetProperty("active").GetBoolean());
        Assert.Equal("Bearer", access.GetProperty("token_type").GetString());
        Assert.Equal(user!.Subject, access.GetProperty("sub").GetString());
        Assert.Equal(_client.ClientId, access.GetProperty("client_id").GetString());
        Assert.Equal("read offline_access", access.GetProperty("scope").GetString());
        Assert.Equal(Server.Issuer, access.GetProperty("iss").GetString());
        Assert.True(access.GetProperty("exp").GetInt64() > access.GetProperty("iat").GetInt64());
        Assert.True(refresh.GetProperty("active").GetBoolean());
        Assert.Equal("refresh_token", refresh.GetProperty("token_type").GetString());
        Assert.Equal(user.Subject, refresh.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task Introspection_OfExpiredRevokedRotatedMalformedOrForeignTokens_IsInactive()
    {
        var (accessToken, refreshToken) = await SignInAsync();
        var (_, successor, _) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(refreshToken));
        var (other, otherSecret) = await Server.AddConfidentialClientAsync();

        Assert.False((await IntrospectAsync(refreshToken)).GetProperty("active").GetBoolean()); // rotated
        Assert.False((await IntrospectAsync(successor!, (other.ClientId, otherSecret))).GetProperty("active").GetBoolean()); // another client's refresh token
        Assert.False((await IntrospectAsync("not-a-token")).GetProperty("active").GetBoolean());
        Assert.False((await IntrospectAsync("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")).GetProperty("active").GetBoolean()); // not issued here

        await RevokeAsync(accessToken);
        Assert.False((await IntrospectAsync(accessToken)).GetProperty("active").GetBoolean());

        var (fresh, _, _) = await TokenSupport.ReadTokenResponseAsync(await RefreshAsync(successor!));
        Server.Clock.Advance(TimeSpan.FromMinutes(11));
        var expired = await IntrospectAsync(fresh);
        Assert.False(expired.GetProperty("active").GetBoolean());
        Assert.Single(expired.EnumerateObject()); // nothing but "active"
    }

    [Fact]
    public async Task Introspection_IsForAuthenticatedConfidentialClients()
    {
        var (accessToken, _) = await SignInAsync();
        var publicClient = await Server.AddPublicClientAsync();

        await OAuthFlow.AssertOAuthErrorAsync(await Flow.PostFormAsync("introspect", [("token", accessToken)]), HttpStatusCode.Unauthorized, "invalid_client");
        await OAuthFlow.AssertOAuthErrorAsync(
            await Flow.PostFormAsync("introspect", [("token", accessToken), ("client_id", publicClient.ClientId)]), HttpStatusCode.Unauthorized, "invalid_client");
        await OAuthFlow.AssertOAuthErrorAsync(
            await Flow.PostFormAsync("introspect", [("token", accessToken)], (_client.ClientId, "wrong")), HttpStatusCode.Unauthorized, "invalid_client");
    }
}
