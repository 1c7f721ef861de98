using System.Net;
using System.Text.Json;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// RFC 8693 token exchange, asked of both hosts: an MCP server (a confidential client with no secret, authenticating
/// with private_key_jwt) holds a user's access token for itself and exchanges it, with Duende.IdentityModel's token
/// exchange request, for a token for a downstream API the registry lets it reach and the user allowed. Widened scopes,
/// a target the registry does not allow, someone else's token and a token that is not ours are refused.
/// </summary>
public abstract class TokenExchangeContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : TokenExchangeFixture
{
    private const string Callback = "http://127.0.0.1/callback";

    private IOAuthTestServer Server => fixture.Server;

    [Fact]
    public async Task AnMcpServer_ExchangesTheUsersToken_ForADownstreamToken_WithNarrowedScopes_AndItselfAsTheActor()
    {
        var userToken = await fixture.UserTokenForMcpServerAsync();
        using var http = new HttpClient();

        var response = await http.RequestTokenExchangeTokenAsync(new TokenExchangeTokenRequest
        {
            Address = Server.Issuer + "/token",
            ClientId = fixture.McpServer.ClientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            ClientAssertion = new ClientAssertion { Type = OidcConstants.ClientAssertionTypes.JwtBearer, Value = fixture.McpServerKey.Assertion(fixture.McpServer.ClientId, Server.Issuer) },
            SubjectToken = userToken.AccessToken,
            SubjectTokenType = OidcConstants.TokenTypeIdentifiers.AccessToken,
            Resource = TokenExchangeFixture.Downstream,
            Scope = "files.read",
        });

        Assert.False(response.IsError, response.Error + " " + response.ErrorDescription);
        Assert.Equal(OidcConstants.TokenTypeIdentifiers.AccessToken, response.IssuedTokenType);
        Assert.Equal("files.read", response.Scope);
        Assert.Null(response.RefreshToken);
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(new OAuthFlow(Server).Http, response.AccessToken!, Server.Issuer, TokenExchangeFixture.Downstream);
        Assert.Equal(userToken.Subject, jwt.Subject);
        Assert.Equal(fixture.McpServer.ClientId, jwt.GetClaim("client_id").Value);
        Assert.Equal(fixture.McpServer.ClientId, jwt.GetPayloadValue<JsonElement>("act").GetProperty("sub").GetString());
        Assert.True(jwt.ValidTo <= userToken.ExpiresAt.UtcDateTime.AddSeconds(1), "the exchanged token outlives the user's");

        // Without a scope: everything the user allowed for the downstream API, and no more.
        var all = await ExchangeAsync(userToken.AccessToken, ("resource", TokenExchangeFixture.Downstream));
        Assert.Equal("files.read", (await TokenSupport.ReadTokenResponseAsync(all)).Body.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Exchanges_TheRegistryOrTheUserDoesNotAllow_AreRefused()
    {
        var userToken = await fixture.UserTokenForMcpServerAsync();
        var token = userToken.AccessToken;

        // Widened: the user never allowed files.write for the app.
        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(token, ("resource", TokenExchangeFixture.Downstream), ("scope", "files.write")),
            HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidScope);

        // An API that does not list the MCP server among its exchange clients, an unknown one, none at all.
        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(token, ("resource", Server.Issuer + "/resource")), HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidTarget);
        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(token, ("audience", "https://unknown.example.com/")), HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidTarget);
        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(token), HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidTarget);

        // Not a token of this server, and a token the MCP server is not the API of (the downstream one it just got).
        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync("not-a-token", ("resource", TokenExchangeFixture.Downstream)), HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidGrant);
        var downstream = (await TokenSupport.ReadTokenResponseAsync(await ExchangeAsync(token, ("resource", TokenExchangeFixture.Downstream)))).AccessToken;
        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(downstream, ("resource", TokenExchangeFixture.Downstream)), HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidGrant);

        // Another confidential client that may use the grant but is not the MCP server.
        var (other, secret) = await Server.AddConfidentialClientAsync(grants: [GrantTypes.TokenExchange]);
        await OAuthFlow.AssertOAuthErrorAsync(await new OAuthFlow(Server).PostTokenAsync(
            [("grant_type", GrantTypes.TokenExchange), ("subject_token", token), ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"), ("resource", TokenExchangeFixture.Downstream)],
            (other.ClientId, secret)), HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidGrant);

        // A client not registered for the grant at all.
        var (plain, plainSecret) = await Server.AddConfidentialClientAsync();
        await OAuthFlow.AssertOAuthErrorAsync(await new OAuthFlow(Server).PostTokenAsync(
            [("grant_type", GrantTypes.TokenExchange), ("subject_token", token), ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"), ("resource", TokenExchangeFixture.Downstream)],
            (plain.ClientId, plainSecret)), HttpStatusCode.BadRequest, OAuthErrorCodes.UnauthorizedClient);
    }

    [Fact]
    public async Task TheMetadata_AdvertisesTokenExchange()
    {
        var metadata = await OAuthFlow.JsonAsync(await new OAuthFlow(Server).Http.GetAsync(".well-known/oauth-authorization-server"));
        Assert.Contains(GrantTypes.TokenExchange, metadata.GetProperty("grant_types_supported").EnumerateArray().Select(g => g.GetString()));
    }

    private Task<HttpResponseMessage> ExchangeAsync(string subjectToken, params (string Name, string Value)[] more) =>
        new OAuthFlow(Server).PostTokenAsync(ClientAssertionRegistrations.AssertionForm(
            fixture.McpServerKey.Assertion(fixture.McpServer.ClientId, Server.Issuer),
            [("grant_type", GrantTypes.TokenExchange), ("subject_token", subjectToken), ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"), .. more]));
}

/// <summary>
/// A server with two APIs besides the demo one: an MCP server's own API, whose client entry is the MCP server
/// (authenticating with private_key_jwt), and a downstream API that lets the MCP server exchange tokens for its own.
/// </summary>
public abstract class TokenExchangeFixture(Func<Task<IOAuthTestServer>> start) : IAsyncLifetime
{
    public const string Mcp = "https://mcp.example.com/";
    public const string Downstream = "https://files.example.com/";

    public static Dictionary<string, string?> Settings => new() { ["OAuth:ClientCacheLifetime"] = "00:00:01" };

    public IOAuthTestServer Server { get; private set; } = null!;

    public ClientKey McpServerKey { get; } = new();

    public OAuthClient McpServer { get; private set; } = null!;

    public OAuthClient App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await start();
        McpServer = await Server.AddAssertionClientAsync(jwks: McpServerKey.Jwks, grants: [GrantTypes.TokenExchange]);
        App = new OAuthClient
        {
            ClientId = "mcp-app-" + Guid.NewGuid().ToString("N")[..8],
            Name = "MCP App",
            Type = ClientType.Public,
            RedirectUris = ["http://127.0.0.1/callback"],
            AllowedScopes = ["mcp.tools", "files.read", "files.write"],
            AllowedGrantTypes = [GrantTypes.AuthorizationCode],
        };
        Assert.True(await Server.Services.GetRequiredService<IClientStore>().AddAsync(App));
        var apis = Server.Services.GetRequiredService<IApiStore>();
        Assert.True(await apis.AddAsync(new ApiResource { Identifier = Mcp, Name = "MCP Server", Scopes = [new ApiScope("mcp.tools", "Use the tools")], Introspectors = [McpServer.ClientId] }));
        Assert.True(await apis.AddAsync(new ApiResource
        {
            Identifier = Downstream,
            Name = "Files",
            Scopes = [new ApiScope("files.read", "Read your files"), new ApiScope("files.write", "Change your files")],
            ExchangeClients = [McpServer.ClientId],
        }));

        // Past the registry's cache lifetime, so the server sees the APIs just added.
        await Server.PassTimeAsync(TimeSpan.FromSeconds(1.5));
    }

    /// <summary>A user signs in to the app, allowing mcp.tools and files.read; the app's token is for the MCP server's API.</summary>
    public async Task<(string AccessToken, string Subject, DateTimeOffset ExpiresAt)> UserTokenForMcpServerAsync()
    {
        var flow = new OAuthFlow(Server);
        var user = await Server.AddUserAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(App.ClientId, "http://127.0.0.1:50124/callback", user.Username, challenge, scope: "mcp.tools files.read");
        var (accessToken, _, body) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://127.0.0.1:50124/callback"), ("client_id", App.ClientId),
                ("code_verifier", verifier), ("resource", Mcp)]));
        Assert.Equal("mcp.tools", body.GetProperty("scope").GetString());
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(accessToken);
        return (accessToken, user.Subject, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
    }

    public async Task DisposeAsync()
    {
        McpServerKey.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

public sealed class TokenExchangeLocalHostFixture() : TokenExchangeFixture(async () => await LocalServer.StartAsync(Settings, clock: ManualClock.Running()));

public sealed class TokenExchangeFunctionsWorkerFixture() : TokenExchangeFixture(async () => await FunctionsWorkerServer.StartAsync(Settings));

public sealed class LocalHostTokenExchangeTests(TokenExchangeLocalHostFixture fixture)
    : TokenExchangeContractTests<TokenExchangeLocalHostFixture>(fixture);

public sealed class FunctionsWorkerTokenExchangeTests(TokenExchangeFunctionsWorkerFixture fixture)
    : TokenExchangeContractTests<TokenExchangeFunctionsWorkerFixture>(fixture);
