using System.Net;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// A refresh token comes with an authorization code only when the user granted offline_access (OpenID Connect Core
/// §11), unless the client opted out; the consent page says which.
/// </summary>
public abstract class OfflineAccessContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private readonly IOAuthTestServer _server = fixture.Server;
    private OAuthFlow _flow = null!;
    private string _username = null!;

    public async Task InitializeAsync()
    {
        _flow = new OAuthFlow(_server);
        _username = (await _server.AddUserAsync()).Username;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Query(string clientId, string scope) => OAuthFlow.AuthorizeQuery(
        ("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect), ("scope", scope),
        ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"));

    private async Task<string?> RefreshTokenFromACodeAsync(string clientId, string scope)
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await _flow.GetCodeAsync(clientId, Redirect, _username, challenge, scope);
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await _flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", clientId), ("code_verifier", verifier)]));
        return refreshToken;
    }

    [Fact]
    public async Task ByDefault_ACodeForReadAlone_GetsNoRefreshToken_AndOneWithOfflineAccess()
    {
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);

        Assert.Null(await RefreshTokenFromACodeAsync(client.ClientId, "read"));
        Assert.NotNull(await RefreshTokenFromACodeAsync(client.ClientId, "read offline_access"));
    }

    [Fact]
    public async Task ByDefault_TheConsentPage_SaysTheAppWillNotStaySignedIn_UnlessOfflineAccessIsAsked()
    {
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);

        var readOnly = await _flow.ConsentPageAsync(Query(client.ClientId, "read"), _username);
        var offline = await _flow.ConsentPageAsync(Query(client.ClientId, "read offline_access"), _username);

        Assert.Contains("It will not stay signed in: its access ends within 10 minute(s)", readOnly);
        Assert.DoesNotContain("Stay signed in", readOnly);
        Assert.Contains("Stay signed in", offline);
        Assert.DoesNotContain("will not stay signed in", offline);
    }

    [Fact]
    public async Task AClientThatOptedOut_GetsARefreshTokenWithoutOfflineAccess_AndThePageSaysSo()
    {
        var client = await _server.AddPublicClientAsync(refreshWithoutOfflineAccess: true, redirectUris: Redirect);

        var page = await _flow.ConsentPageAsync(Query(client.ClientId, "read"), _username);

        Assert.Contains("Stay signed in", page);
        Assert.DoesNotContain("will not stay signed in", page);
        Assert.NotNull(await RefreshTokenFromACodeAsync(client.ClientId, "read"));
    }

    [Fact]
    public async Task AClientWithoutTheRefreshGrant_IsNotShownAsStayingSignedIn_EvenWithOfflineAccess()
    {
        var client = await _server.AddPublicClientAsync(grants: ["authorization_code"], redirectUris: Redirect);

        var html = await _flow.ConsentPageAsync(Query(client.ClientId, "read offline_access"), _username);

        Assert.DoesNotContain("Stay signed in", html);
        Assert.Contains("will not stay signed in", html);
    }
}

public sealed class LocalHostOfflineAccessContractTests(LocalHostFixture fixture) : OfflineAccessContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerOfflineAccessContractTests(FunctionsWorkerFixture fixture) : OfflineAccessContractTests<FunctionsWorkerFixture>(fixture);
