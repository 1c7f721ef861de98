using System.Net;
using Serverless.IntegrationTests.BothHosts;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.IntegrationTests;

/// <summary>
/// Dynamic client registration's settings on the local host: off by default, the rate limit, the expiry of unused
/// registrations, and the APIs a registered client may get tokens for.
/// </summary>
public sealed class DynamicRegistrationTests
{
    private const string PublicClient = """{"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none", "scope": "read"}""";

    private const string AnotherPublicClient = """{"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none", "scope": "read", "client_name": "Another"}""";

    [Fact]
    public async Task ByDefault_RegistrationIsOff_AndNotAdvertised()
    {
        await using var server = await LocalServer.StartAsync();
        using var http = server.NewHttpClient();

        var response = await RegistrationContractTests<LocalHostFixture>.RegisterAsync(http, PublicClient);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await server.Get<IClientStore>().ListAsync());
        var metadata = await OAuthFlow.JsonAsync(await http.GetAsync(".well-known/oauth-authorization-server"));
        Assert.False(metadata.TryGetProperty("registration_endpoint", out _));
    }

    [Fact]
    public async Task RegistrationsFromOneAddress_AreLimited_WhetherTheySucceedOrNot()
    {
        await using var server = await LocalServer.StartAsync(new()
        {
            ["OAuth:DynamicRegistration:Enabled"] = "true",
            ["OAuth:DynamicRegistration:RateLimit:MaxFailures"] = "3",
        });
        using var http = server.NewHttpClient();

        Assert.Equal(HttpStatusCode.Created, (await RegistrationContractTests<LocalHostFixture>.RegisterAsync(http, PublicClient)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await RegistrationContractTests<LocalHostFixture>.RegisterAsync(http, "{}")).StatusCode);
        // Another client (the same one again would get the earlier one back, but still count).
        Assert.Equal(HttpStatusCode.Created, (await RegistrationContractTests<LocalHostFixture>.RegisterAsync(http, AnotherPublicClient)).StatusCode);
        var refused = await RegistrationContractTests<LocalHostFixture>.RegisterAsync(http, PublicClient);

        await OAuthFlow.AssertOAuthErrorAsync(refused, HttpStatusCode.TooManyRequests, "invalid_request");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(2, (await server.Get<IClientStore>().ListAsync()).Count);
    }

    [Fact]
    public async Task ARegistrationNoUserAuthorizes_Expires_AndThePurgeDeletesIt_WhileAnAuthorizedOneIsKept()
    {
        await using var server = await LocalServer.StartAsync(DynamicRegistrationSettings.Enabled);
        using var http = server.NewHttpClient();
        var flow = new OAuthFlow(server);
        var user = await server.AddUserAsync();
        var unused = (await OAuthFlow.JsonAsync(await RegistrationContractTests<LocalHostFixture>.RegisterAsync(http, PublicClient))).GetProperty("client_id").GetString()!;
        var used = (await OAuthFlow.JsonAsync(await RegistrationContractTests<LocalHostFixture>.RegisterAsync(http, AnotherPublicClient))).GetProperty("client_id").GetString()!;
        await flow.GetCodeAsync(used, "http://127.0.0.1:50000/callback", user.Username, OAuthFlow.NewPkce().Challenge, scope: "read");

        await server.PassTimeAsync(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(2));

        var page = await http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", unused), ("redirect_uri", "http://127.0.0.1:50000/callback"), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Null(page.Headers.Location);
        await server.Get<ExpiryPurge>().RunAsync();
        var left = await server.Get<IClientStore>().ListAsync();
        Assert.Equal([used], left.Select(c => c.ClientId));
        Assert.True(left[0].ExpiresAt > server.Clock.GetUtcNow() + TimeSpan.FromDays(29), "an authorized client outlives the grants it may issue");
    }

    [Fact]
    public async Task WithTheApisListed_ARegisteredClient_GetsNoTokenForAnotherApi_EvenOneOpenToEveryClient()
    {
        const string Listed = "https://listed.example.com";
        await using var server = await LocalServer.StartAsync(new(DynamicRegistrationSettings.Enabled) { ["OAuth:DynamicRegistration:Resources:0"] = Listed });
        using var http = server.NewHttpClient();
        Assert.True(await server.Get<IApiStore>().AddAsync(new ApiResource { Identifier = Listed, Name = "Listed", Scopes = [new ApiScope("listed.read", "Read")] }));
        var open = server.Issuer + "/resource"; // the demo resource: no client list, so open to every client
        var client = (await OAuthFlow.JsonAsync(await RegistrationContractTests<LocalHostFixture>.RegisterAsync(
            http, """{"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none"}"""))).GetProperty("client_id").GetString()!;

        Task<HttpResponseMessage> AuthorizeAsync(string scope, params string[] resources) => http.GetAsync(OAuthFlow.AuthorizeQuery(
            [("response_type", "code"), ("client_id", client), ("redirect_uri", "http://127.0.0.1:50000/callback"), ("scope", scope),
             ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"), .. resources.Select(r => ("resource", (string?)r))]));

        Assert.Equal(HttpStatusCode.OK, (await AuthorizeAsync("listed.read", Listed)).StatusCode); // the sign-in page
        Assert.Equal("invalid_target", OAuthFlow.RedirectParameters(await AuthorizeAsync("listed.read", Listed, open))["error"]);
        Assert.Equal("invalid_target", OAuthFlow.RedirectParameters(await AuthorizeAsync("offline_access", open))["error"]);
    }
}
