using System.Net;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests;

/// <summary>
/// RFC 9700 §4.14.2: presenting a rotated refresh token after the grace window is the sign it leaked, and it revokes
/// the family before anything else about the request (scope, client, client authentication) can answer.
/// </summary>
public sealed class RefreshTokenReuseTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private OAuthClient _client = null!;
    private string _username = null!;

    protected override Task<LocalServer> StartServerAsync() => LocalServer.StartAsync(new() { ["OAuth:RefreshTokenReuseGraceWindow"] = "00:00:05" });

    protected override async Task SetUpAsync()
    {
        _client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        _username = (await Server.AddUserAsync()).Username;
    }

    public static TheoryData<string> OtherwiseWrongRequests => ["widened scope", "another client", "a client without the refresh grant", "a wrong client secret", "a malformed scope"];

    [Theory]
    [MemberData(nameof(OtherwiseWrongRequests))]
    public async Task ARotatedTokenAfterTheGraceWindow_RevokesTheFamily_WhateverElseIsWrongWithTheRequest(string wrong)
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(_client.ClientId, Redirect, _username, challenge, "read offline_access");
        var (_, first, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", _client.ClientId), ("code_verifier", verifier)]));
        var (accessToken, successor, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", first!), ("client_id", _client.ClientId)]));
        Server.Clock.Advance(TimeSpan.FromSeconds(6));

        List<(string, string)> form = [("grant_type", "refresh_token"), ("refresh_token", first!)];
        (string, string)? basic = null;
        switch (wrong)
        {
            case "widened scope":
                form.AddRange([("client_id", _client.ClientId), ("scope", "read write")]);
                break;
            case "another client":
                form.Add(("client_id", (await Server.AddPublicClientAsync(redirectUris: Redirect)).ClientId));
                break;
            case "a client without the refresh grant":
                form.Add(("client_id", (await Server.AddPublicClientAsync(grants: [GrantTypes.AuthorizationCode], redirectUris: Redirect)).ClientId));
                break;
            case "a wrong client secret":
                basic = ((await Server.AddConfidentialClientAsync()).Client.ClientId, "wrong");
                break;
            default:
                form.AddRange([("client_id", _client.ClientId), ("scope", "read\u0001")]);
                break;
        }

        var reused = await Flow.PostTokenAsync(form, basic);

        await OAuthFlow.AssertOAuthErrorAsync(reused, HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Contains("revoked", await reused.Content.ReadAsStringAsync());
        await OAuthFlow.AssertOAuthErrorAsync(
            await Flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", successor!), ("client_id", _client.ClientId)]),
            HttpStatusCode.BadRequest,
            "invalid_grant");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Flow.GetResourceAsync(accessToken)).StatusCode);
    }

    [Fact]
    public async Task WithinTheGraceWindow_AnotherClient_IsRefused_AndTheFamilyLivesOn()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(_client.ClientId, Redirect, _username, challenge, "read offline_access");
        var (_, first, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", _client.ClientId), ("code_verifier", verifier)]));
        var (_, successor, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", first!), ("client_id", _client.ClientId)]));
        var other = await Server.AddPublicClientAsync(redirectUris: Redirect);

        await OAuthFlow.AssertOAuthErrorAsync(
            await Flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", first!), ("client_id", other.ClientId)]),
            HttpStatusCode.BadRequest,
            "invalid_grant");

        await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", successor!), ("client_id", _client.ClientId)]));
    }
}
