using System.Net;
using Serverless.Testing;

namespace Serverless.IntegrationTests;

/// <summary>
/// Table Storage going away mid-test (its own Azurite, stopped and started again): every endpoint answers 503
/// temporarily_unavailable, and when storage is back the same server works without a restart, with nothing
/// half-written: a code not redeemed is still redeemable, a refresh token not rotated still rotates.
/// </summary>
public sealed class StorageOutageTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private AzuriteServer _azurite = null!;

    protected override async Task<LocalServer> StartServerAsync()
    {
        _azurite = await AzuriteServer.StartAsync();
        return await LocalServer.StartAsync(storageServer: _azurite);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    [Fact]
    public async Task StorageDown_Gives503_ThenTheSameServerRecovers_WithNothingHalfWritten()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge);
        (string, string)[] exchange =
        [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier),
        ];

        await _azurite.StopAsync();
        await OAuthFlow.AssertOAuthErrorAsync(await Flow.PostTokenAsync(exchange), HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
        await _azurite.RestartAsync();

        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(exchange));
        (string, string)[] refresh = [("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", client.ClientId)];

        await _azurite.StopAsync();
        await OAuthFlow.AssertOAuthErrorAsync(await Flow.PostTokenAsync(refresh), HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
        var resource = await Flow.GetResourceAsync(accessToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, resource.StatusCode);
        await _azurite.RestartAsync();

        // The failed refresh rotated nothing: the same token rotates now, and only once.
        var (_, successor, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(refresh));
        Assert.NotEqual(refreshToken, successor);
        Assert.Equal(HttpStatusCode.OK, (await Flow.GetResourceAsync(accessToken)).StatusCode);
    }

    [Fact]
    public async Task StorageDown_TheLoginPageAnswers503_NotAStackTrace()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var page = await Flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));
        var html = await page.Content.ReadAsStringAsync();

        await _azurite.StopAsync();
        var response = await Flow.PostLoginFormAsync(html, user.Username, LocalServer.Password);
        await _azurite.RestartAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("temporarily_unavailable", body);
        Assert.DoesNotContain("Exception", body);
        Assert.Equal(HttpStatusCode.SeeOther, (await Flow.PostLoginFormAsync(html, user.Username, LocalServer.Password)).StatusCode);
    }

    [Fact]
    public async Task StorageDownAtStartUp_TheServerStillStarts_AndWorksOnceStorageIsBack()
    {
        await _azurite.StopAsync();
        await using var late = await LocalServer.StartAsync(storageServer: _azurite);
        var flow = new OAuthFlow(late);

        await OAuthFlow.AssertOAuthErrorAsync(
            await flow.PostTokenAsync([("grant_type", "client_credentials")], ("someone", "secret")), HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");

        await _azurite.RestartAsync();
        var (client, secret) = await late.AddConfidentialClientAsync();
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret)));
    }
}
