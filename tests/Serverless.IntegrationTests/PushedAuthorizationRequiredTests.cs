using System.Net;

namespace Serverless.IntegrationTests;

/// <summary>
/// OAuth:PushedAuthorization:Required (RFC 9126 §5): the metadata says so, and a plain /authorize request of any client
/// is refused, while a pushed one goes on. The local host only: the setting is bound by the same options code in both
/// hosts, and the behaviour under it is the per-client rule that PushedAuthorizationContractTests runs on both.
/// </summary>
public sealed class PushedAuthorizationRequiredTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";

    protected override Task<LocalServer> StartServerAsync() =>
        LocalServer.StartAsync(new() { ["OAuth:PushedAuthorization:Required"] = "true" });

    [Fact]
    public async Task EveryClient_MustPush_AndTheMetadataSaysSo()
    {
        var flow = new OAuthFlow(OAuthFlow.Browser(Server.BaseAddress, new CookieContainer()));
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        Assert.False(client.RequirePushedAuthorizationRequests);
        var metadata = await OAuthFlow.JsonAsync(await flow.Http.GetAsync(".well-known/oauth-authorization-server"));
        Assert.True(metadata.GetProperty("require_pushed_authorization_requests").GetBoolean());

        (string Name, string? Value)[] request =
        [
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"),
        ];
        Assert.Equal("invalid_request", OAuthFlow.RedirectParameters(await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(request)))["error"]);

        var pushed = await flow.PostFormAsync("par", request.Select(p => (p.Name, p.Value!)));
        Assert.Equal(HttpStatusCode.Created, pushed.StatusCode);
        var page = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(request[1], ("request_uri", (await OAuthFlow.JsonAsync(pushed)).GetProperty("request_uri").GetString())));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}
