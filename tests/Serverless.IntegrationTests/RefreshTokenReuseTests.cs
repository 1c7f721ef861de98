using System.Net;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests;

/// <summary>
/// RFC 9700 §4.14.2: presenting a rotated refresh token after the grace window is the sign it leaked, and it revokes
/// the family before anything else about the request (scope, client, client authentication) can answer.
/// </summary>
public sealed class RefreshTokenReuseTests : IAsyncLifetime
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private LocalServer _server = null!;
    private OAuthFlow _flow = null!;
    private OAuthClient _client = null!;
    private string _username = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync(new() { ["OAuth:RefreshTokenReuseGraceWindow"] = "00:00:05" });
        _flow = new OAuthFlow(_server);
        _client = await _server.AddPublicClientAsync(redirectUris: Redirect);
        _username = (await _server.AddUserAsync()).Username;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> OtherwiseWrongRequests => ["widened scope", "another client", "a client without the refresh grant", "a wrong client secret", "a malformed scope"];

    [Theory]
    [MemberData(nameof(OtherwiseWrongRequests))]
    public async Task ARotatedTokenAfterTheGraceWindow_RevokesTheFamily_WhateverElseIsWrongWithTheRequest(string wrong)
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await _flow.GetCodeAsync(_client.ClientId, Redirect, _username, challenge, "read offline_access");
        var (_, first, _) = await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", _client.ClientId), ("code_verifier", verifier)]));
        var (accessToken, successor, _) = await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", first!), ("client_id", _client.ClientId)]));
        _server.Clock.Advance(TimeSpan.FromSeconds(6));

        List<(string, string)> form = [("grant_type", "refresh_token"), ("refresh_token", first!)];
        (string, string)? basic = null;
        switch (wrong)
        {
            case "widened scope":
                form.AddRange([("client_id", _client.ClientId), ("scope", "read write")]);
                break;
            case "another client":
                form.Add(("client_id", (await _server.AddPublicClientAsync(redirectUris: Redirect)).ClientId));
                break;
            case "a client without the refresh grant":
                form.Add(("client_id", (await _server.AddPublicClientAsync(grants: [GrantTypes.AuthorizationCode], redirectUris: Redirect)).ClientId));
                break;
            case "a wrong client secret":
                basic = ((await _server.AddConfidentialClientAsync()).Client.ClientId, "wrong");
                break;
            default:
                form.AddRange([("client_id", _client.ClientId), ("scope", "read\u0001")]);
                break;
        }

        var reused = await _flow.PostTokenAsync(form, basic);

        await OAuthFlow.AssertOAuthErrorAsync(reused, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Contains("revoked", await reused.Content.ReadAsStringAsync());
        await OAuthFlow.AssertOAuthErrorAsync(
            await _flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", successor!), ("client_id", _client.ClientId)]),
            HttpStatusCode.BadRequest,
            "invalid_grant");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _flow.GetResourceAsync(accessToken)).StatusCode);
    }

    [Fact]
    public async Task WithinTheGraceWindow_AnotherClient_IsRefused_AndTheFamilyLivesOn()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await _flow.GetCodeAsync(_client.ClientId, Redirect, _username, challenge, "read offline_access");
        var (_, first, _) = await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", _client.ClientId), ("code_verifier", verifier)]));
        var (_, successor, _) = await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", first!), ("client_id", _client.ClientId)]));
        var other = await _server.AddPublicClientAsync(redirectUris: Redirect);

        await OAuthFlow.AssertOAuthErrorAsync(
            await _flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", first!), ("client_id", other.ClientId)]),
            HttpStatusCode.BadRequest,
            "invalid_grant");

        await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", successor!), ("client_id", _client.ClientId)]));
    }
}
