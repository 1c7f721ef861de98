using System.Net;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;

namespace Serverless.IntegrationTests;

/// <summary>
/// RFC 8707 over HTTP: an authorization for two APIs, each token for one of them (its aud, its scopes only), a refresh
/// that asks for the other, client_credentials per API, and invalid_target for what cannot be a target.
/// </summary>
public sealed class ResourceIndicatorTests : LocalServerTest
{
    private const string Orders = "https://orders.example.com";
    private const string Invoices = "https://invoices.example.com/api";
    private OAuthClient _client = null!;
    private string _secret = null!;
    private string _username = null!;

    protected override async Task SetUpAsync()
    {
        var apis = Server.Get<IApiStore>();
        Assert.True(await apis.AddAsync(new ApiResource { Identifier = Orders, Name = "Orders", Scopes = [new("orders.read", "Read your orders")] }));
        Assert.True(await apis.AddAsync(new ApiResource
        {
            Identifier = Invoices,
            Name = "Invoices",
            Scopes = [new("invoices.read", "Read your invoices")],
            AccessTokenLifetime = TimeSpan.FromMinutes(2),
        }));
        (_client, _secret) = await Server.AddConfidentialClientAsync(scopes: ["orders.read", "invoices.read", "read", "offline_access"]);
        _username = (await Server.AddUserAsync()).Username;
    }

    private (string, string) Credentials => (_client.ClientId, _secret);

    private async Task<string> CodeAsync(string scope, params string[] resources)
    {
        var response = await Flow.SignInAsync(
            OAuthFlow.AuthorizeQuery([("response_type", "code"), ("client_id", _client.ClientId), ("redirect_uri", _client.RedirectUris[0]), ("scope", scope),
                .. resources.Select(r => ("resource", (string?)r))]),
            _username,
            LocalServer.Password);
        return OAuthFlow.RedirectParameters(response)["code"];
    }

    private Task<HttpResponseMessage> ExchangeAsync(string code, params string[] resources) =>
        Flow.PostTokenAsync([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", _client.RedirectUris[0]), .. resources.Select(r => ("resource", r))], Credentials);

    [Fact]
    public async Task OneGrantForTwoApis_EachTokenIsForOne_AndARefreshMayAskForTheOther()
    {
        var code = await CodeAsync("orders.read invoices.read offline_access", Orders, Invoices);

        // More than one resource at the token endpoint is refused, and spends nothing: the code still works after.
        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(code, Orders, Invoices), HttpStatusCode.BadRequest, "invalid_target");
        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(code), HttpStatusCode.BadRequest, "invalid_target"); // two APIs: say which
        var (ordersToken, refreshToken, body) = await TokenSupport.ReadTokenResponseAsync(await ExchangeAsync(code, Orders));
        Assert.Equal("orders.read offline_access", body.GetProperty("scope").GetString());
        var orders = await TokenSupport.ValidateAgainstJwksAsync(Flow.Http, ordersToken, Server.Issuer, Orders);
        Assert.Equal([Orders], orders.Audiences);

        var refreshed = await Flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("resource", Invoices)], Credentials);
        var (invoicesToken, _, refreshedBody) = await TokenSupport.ReadTokenResponseAsync(refreshed);
        Assert.Equal("invoices.read offline_access", refreshedBody.GetProperty("scope").GetString());
        Assert.Equal(120, refreshedBody.GetProperty("expires_in").GetInt32()); // the API's own token life
        Assert.Equal([Invoices], (await TokenSupport.ValidateAgainstJwksAsync(Flow.Http, invoicesToken, Server.Issuer, Invoices)).Audiences);

        // Neither is for the demo resource, which refuses them.
        var resource = await Flow.GetResourceAsync(ordersToken);
        Assert.Equal(HttpStatusCode.Unauthorized, resource.StatusCode);
        Assert.Contains("invalid_token", resource.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task WithoutAResource_TheScopesSayWhichApi()
    {
        var code = await CodeAsync("invoices.read");

        var (token, _, _) = await TokenSupport.ReadTokenResponseAsync(await ExchangeAsync(code));

        await TokenSupport.ValidateAgainstJwksAsync(Flow.Http, token, Server.Issuer, Invoices);
    }

    [Theory]
    [InlineData("https://unknown.example.com")]
    [InlineData("/relative")]
    [InlineData("https://orders.example.com#fragment")]
    public async Task ABadResource_AtAuthorize_IsSentBackAsInvalidTarget(string resource)
    {
        var response = await Flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", _client.ClientId), ("redirect_uri", _client.RedirectUris[0]), ("scope", "orders.read"), ("state", "s"),
            ("resource", resource)));

        var parameters = OAuthFlow.RedirectParameters(response);
        Assert.Equal("invalid_target", parameters["error"]);
        Assert.Equal("s", parameters["state"]);
    }

    [Fact]
    public async Task AScopeOfAnotherApi_ThanTheNamedResource_IsInvalidTarget()
    {
        var response = await Flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", _client.ClientId), ("redirect_uri", _client.RedirectUris[0]), ("scope", "orders.read invoices.read"),
            ("resource", Orders)));

        Assert.Equal("invalid_target", OAuthFlow.RedirectParameters(response)["error"]);
    }

    [Fact]
    public async Task ClientCredentials_NamesItsApi_OrGetsInvalidTarget()
    {
        var (token, _, body) = await TokenSupport.ReadTokenResponseAsync(
            await Flow.PostTokenAsync([("grant_type", "client_credentials"), ("resource", Invoices)], Credentials));
        Assert.Equal("invoices.read", body.GetProperty("scope").GetString());
        await TokenSupport.ValidateAgainstJwksAsync(Flow.Http, token, Server.Issuer, Invoices);

        await OAuthFlow.AssertOAuthErrorAsync(
            await Flow.PostTokenAsync([("grant_type", "client_credentials"), ("resource", "https://unknown.example.com")], Credentials), HttpStatusCode.BadRequest, "invalid_target");
        await OAuthFlow.AssertOAuthErrorAsync(
            await Flow.PostTokenAsync([("grant_type", "client_credentials")], Credentials), HttpStatusCode.BadRequest, "invalid_target"); // three APIs: which?
        await OAuthFlow.AssertOAuthErrorAsync(
            await Flow.PostTokenAsync([("grant_type", "client_credentials"), ("resource", Orders), ("scope", "invoices.read")], Credentials), HttpStatusCode.BadRequest, "invalid_target");
    }

    [Fact]
    public async Task AnApiLimitedToOtherClients_IsInvalidTarget_ForThisOne()
    {
        const string Limited = "https://limited.example.com";
        Assert.True(await Server.Get<IApiStore>().AddAsync(new ApiResource { Identifier = Limited, Name = "Limited", AllowedClients = ["someone-else"] }));

        var response = await Flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", _client.ClientId), ("redirect_uri", _client.RedirectUris[0]), ("scope", "offline_access"), ("resource", Limited)));

        Assert.Equal("invalid_target", OAuthFlow.RedirectParameters(response)["error"]);
    }

    [Fact]
    public async Task TheConsentPage_NamesTheApisAndTheirScopes()
    {
        var page = await Flow.ConsentPageAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", _client.ClientId), ("redirect_uri", _client.RedirectUris[0]), ("scope", "orders.read offline_access"),
            ("resource", Orders), ("resource", Invoices)), _username);

        Assert.Contains("Read your orders <code>(orders.read)</code> <span class=\"api\">in Orders</span>", page);
        Assert.Contains("Use Invoices <code>(https://invoices.example.com/api)</code>", page);
    }

    [Fact]
    public async Task TheMetadata_ListsEveryApisScopes()
    {
        var metadata = await OAuthFlow.JsonAsync(await Flow.Http.GetAsync(".well-known/oauth-authorization-server"));

        var scopes = metadata.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Contains("orders.read", scopes);
        Assert.Contains("invoices.read", scopes);
        Assert.Contains("read", scopes);
        Assert.Contains("offline_access", scopes);
    }
}
