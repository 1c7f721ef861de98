using System.Net;
using System.Text.Json;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests;

/// <summary>
/// RFC 7662 §4: an access token is described only to the client it was issued to, to its own API's introspectors, and
/// to clients allowed to introspect every API's tokens; any other authenticated client learns nothing, {"active": false}.
/// </summary>
public sealed class IntrospectionPermissionTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";

    private async Task<(string ClientId, string Secret)> AddClientAsync(bool mayIntrospect)
    {
        var (client, secret) = await Server.AddConfidentialClientAsync(grants: [GrantTypes.ClientCredentials], scopes: ["read"], mayIntrospect: mayIntrospect);
        return (client.ClientId, secret);
    }

    private async Task<JsonElement> IntrospectAsync(string token, (string, string) credentials)
    {
        var response = await Flow.PostFormAsync("introspect", [("token", token)], credentials);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await OAuthFlow.JsonAsync(response);
    }

    [Fact]
    public async Task AUsersAccessToken_IsActiveForItsClientAndAnAllowedIntrospector_AndInactiveForAnyOtherClient()
    {
        var (app, appSecret) = await Server.AddConfidentialClientAsync();
        var user = await Server.AddUserAsync();
        var code = OAuthFlow.RedirectParameters(await Flow.SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", app.ClientId), ("redirect_uri", app.RedirectUris[0]), ("scope", "read")),
            user.Username,
            LocalServer.Password))["code"];
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.RedirectUris[0])], (app.ClientId, appSecret)));
        var bystander = await AddClientAsync(mayIntrospect: false);
        var resourceServer = await AddClientAsync(mayIntrospect: true);

        var toBystander = await IntrospectAsync(accessToken, bystander);
        var toResourceServer = await IntrospectAsync(accessToken, resourceServer);
        var toItsClient = await IntrospectAsync(accessToken, (app.ClientId, appSecret));

        Assert.False(toBystander.GetProperty("active").GetBoolean());
        Assert.Single(toBystander.EnumerateObject()); // not its sub, scope or client_id
        Assert.True(toResourceServer.GetProperty("active").GetBoolean());
        Assert.Equal(app.ClientId, toResourceServer.GetProperty("client_id").GetString());
        Assert.True(toItsClient.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task AClientCredentialsToken_IsActiveForItsOwnClient()
    {
        var own = await AddClientAsync(mayIntrospect: false);
        var (token, _, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync([("grant_type", "client_credentials")], own));

        Assert.True((await IntrospectAsync(token, own)).GetProperty("active").GetBoolean());
        Assert.False((await IntrospectAsync(token, await AddClientAsync(mayIntrospect: false))).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task AnApisIntrospector_IsToldAboutItsOwnApisTokens_AndNotAboutAnotherApis()
    {
        var introspector = await AddClientAsync(mayIntrospect: false);
        var apis = Server.Get<IApiStore>();
        Assert.True(await apis.AddAsync(new ApiResource
        {
            Identifier = "https://a.example.com", Name = "A", Scopes = [new("a.read", "Read A")], Introspectors = [introspector.ClientId],
        }));
        Assert.True(await apis.AddAsync(new ApiResource { Identifier = "https://b.example.com", Name = "B", Scopes = [new("b.read", "Read B")] }));
        var (app, appSecret) = await Server.AddConfidentialClientAsync(grants: [GrantTypes.ClientCredentials], scopes: ["a.read", "b.read"]);
        async Task<string> TokenForAsync(string resource) => (await TokenSupport.ReadTokenResponseAsync(
            await Flow.PostTokenAsync([("grant_type", "client_credentials"), ("resource", resource)], (app.ClientId, appSecret)))).AccessToken;

        var ownApis = await IntrospectAsync(await TokenForAsync("https://a.example.com"), introspector);
        var otherApis = await IntrospectAsync(await TokenForAsync("https://b.example.com"), introspector);

        Assert.True(ownApis.GetProperty("active").GetBoolean());
        Assert.Equal("https://a.example.com", ownApis.GetProperty("aud").GetString());
        Assert.Equal("a.read", ownApis.GetProperty("scope").GetString());
        Assert.False(otherApis.GetProperty("active").GetBoolean());
        Assert.Single(otherApis.EnumerateObject());
    }

    [Fact]
    public async Task ThePermission_IsStored_AndReadBack()
    {
        var (clientId, _) = await AddClientAsync(mayIntrospect: true);

        await using var other = await LocalServer.StartAsync(tablePrefix: Server.Get<Serverless.OAuth.Infrastructure.Options.OAuthServerOptions>().Storage.TablePrefix);
        Assert.True((await other.Get<IClientStore>().FindAsync(clientId))!.MayIntrospect);
    }
}
