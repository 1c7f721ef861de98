using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Samples.McpServer;
using Serverless.IntegrationTests.BothHosts;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;

namespace Serverless.IntegrationTests;

/// <summary>
/// The sample MCP server (samples/McpServer), protected by this server's tokens for its own audience, and the official
/// MCP C# SDK client, which connects with no client set up in advance: once through a Client ID Metadata Document
/// (served by a local HTTPS server), once through dynamic registration. It signs the user in (the login form is filled
/// in by the SDK's authorization callback), calls the tool, and refreshes when the token expires.
/// </summary>
public sealed class McpServerTests : LocalServerTest
{
    private const string DocumentPath = "/mcp-client.json";
    private HttpsTestServer _site = null!;
    private WebApplication _mcp = null!;
    private string _resource = null!;
    private string _username = null!;
    private int _signIns;

    protected override async Task<LocalServer> StartServerAsync()
    {
        _site = await HttpsTestServer.StartAsync();
        return await LocalServer.StartAsync(
            new(DynamicRegistrationSettings.Enabled)
            {
                ["OAuth:ClientMetadataDocuments:Enabled"] = "true",
                ["OAuth:ClientMetadataDocuments:AllowedAddresses:0"] = "127.0.0.1",
            },
            services: _site.TrustFromTheFetcher);
    }

    protected override async Task SetUpAsync()
    {
        // The MCP server is an API of this server: its URL is the API's identifier, so tokens for it carry it as aud.
        var port = FreePort.Next();
        _resource = $"http://127.0.0.1:{port}{McpServerApp.Path}";
        Assert.True(await Server.Get<IApiStore>().AddAsync(new ApiResource
        {
            Identifier = _resource,
            Name = "Sample MCP server",
            Scopes = [new ApiScope(McpServerApp.ToolsScope, "Use the sample MCP server's tools")],
        }));
        _mcp = McpServerApp.Build(["--urls", $"http://127.0.0.1:{port}"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mcp:Authority"] = Server.Issuer, ["Mcp:Resource"] = _resource });
            builder.Services.AddSingleton<TimeProvider>(Server.Clock);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await _mcp.StartAsync();
        _username = (await Server.AddUserAsync()).Username;
    }

    public override async Task DisposeAsync()
    {
        await _mcp.DisposeAsync();
        await base.DisposeAsync();
        await _site.DisposeAsync();
    }

    /// <summary>What a person does in the browser: the login and consent page, Allow; the code comes back on the redirect.</summary>
    private async Task<AuthorizationResult?> SignInAsync(AuthorizationCallbackContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _signIns);
        var flow = new OAuthFlow(Server);
        var page = await flow.Http.GetAsync(context.AuthorizationUri, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var redirect = await flow.PostLoginFormAsync(await page.Content.ReadAsStringAsync(cancellationToken), _username, LocalServer.Password);
        Assert.StartsWith(context.RedirectUri.GetLeftPart(UriPartial.Path), redirect.Headers.Location!.ToString());
        var parameters = OAuthFlow.RedirectParameters(redirect);
        return new AuthorizationResult { Code = parameters["code"], State = parameters.GetValueOrDefault("state"), Iss = parameters.GetValueOrDefault("iss") };
    }

    private readonly RecordingTokenCache _tokens = new();

    private ClientOAuthOptions OAuth() => new()
    {
        // The SDK never listens here: the callback above takes the code from the redirect.
        RedirectUri = new Uri("http://127.0.0.1:51999/callback"),
        AuthorizationCallbackHandler = SignInAsync,
        TokenCache = _tokens,
    };

    /// <summary>
    /// The tokens the SDK obtained, in order: after a refresh there are two, and since nobody signed in again, the
    /// second came from the refresh token of the first (rotated, so it differs).
    /// </summary>
    private void AssertRefreshedOnce()
    {
        Assert.Equal(1, _signIns);
        Assert.Equal(2, _tokens.Stored.Count);
        Assert.NotEqual(_tokens.Stored[0].AccessToken, _tokens.Stored[1].AccessToken);
        Assert.NotNull(_tokens.Stored[0].RefreshToken);
        Assert.NotEqual(_tokens.Stored[0].RefreshToken, _tokens.Stored[1].RefreshToken);
    }

    private sealed class RecordingTokenCache : ITokenCache
    {
        public List<TokenContainer> Stored { get; } = [];

        public ValueTask StoreTokensAsync(TokenContainer tokens, CancellationToken cancellationToken)
        {
            lock (Stored)
            {
                Stored.Add(tokens);
            }

            return default;
        }

        public ValueTask<TokenContainer?> GetTokensAsync(CancellationToken cancellationToken)
        {
            lock (Stored)
            {
                return new(Stored.LastOrDefault());
            }
        }
    }

    private async Task<string> CallWhoAmIAsync(McpClient client)
    {
        var result = await client.CallToolAsync("whoami");
        Assert.NotEqual(true, result.IsError);
        return Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
    }

    private async Task<McpClient> ConnectAsync(ClientOAuthOptions oauth) =>
        await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(_resource), OAuth = oauth }));

    [Fact]
    public async Task TheSdkClient_IntroducedByItsMetadataDocument_SignsIn_CallsTheTool_AndRefreshes()
    {
        var clientId = _site.Url(DocumentPath);
        _site.Serve(DocumentPath, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["client_id"] = clientId,
            ["client_name"] = "MCP test client",
            ["redirect_uris"] = new[] { "http://127.0.0.1/callback" },
            ["grant_types"] = new[] { "authorization_code", "refresh_token" },
            ["response_types"] = new[] { "code" },
            ["token_endpoint_auth_method"] = "none",
        }));
        var oauth = OAuth();
        oauth.ClientMetadataDocumentUri = new Uri(clientId);

        await using var client = await ConnectAsync(oauth);
        Assert.Contains($"through client {clientId}", await CallWhoAmIAsync(client));

        // Past the access token's life the MCP server refuses it; the SDK refreshes, and nobody signs in again.
        await Server.PassTimeAsync(TimeSpan.FromHours(1));
        Assert.Contains($"through client {clientId}", await CallWhoAmIAsync(client));
        AssertRefreshedOnce();
        Assert.Empty(await Server.Get<IClientStore>().ListAsync());
    }

    [Fact]
    public async Task TheSdkClient_RegisteringItselfDynamically_SignsIn_CallsTheTool_AndRefreshes()
    {
        var oauth = OAuth();
        oauth.DynamicClientRegistration = new() { ClientName = "MCP test client (registered)" };

        await using var client = await ConnectAsync(oauth);
        var registered = Assert.Single(await Server.Get<IClientStore>().ListAsync());
        Assert.Equal("MCP test client (registered)", registered.Name);
        Assert.Contains($"through client {registered.ClientId}", await CallWhoAmIAsync(client));

        await Server.PassTimeAsync(TimeSpan.FromHours(1));
        Assert.Contains($"through client {registered.ClientId}", await CallWhoAmIAsync(client));
        AssertRefreshedOnce();
    }

    [Fact]
    public async Task TheMcpServer_PublishesItsMetadata_AndRefusesATokenForAnotherApi()
    {
        using var http = new HttpClient();
        var anonymous = await http.SendAsync(Initialize(accessToken: null));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var challenge = anonymous.Headers.WwwAuthenticate.Single().ToString();
        var metadataUrl = new Uri(_resource).GetLeftPart(UriPartial.Authority) + "/.well-known/oauth-protected-resource" + McpServerApp.Path;
        Assert.Contains($"resource_metadata=\"{metadataUrl}\"", challenge);
        var metadata = JsonDocument.Parse(await http.GetStringAsync(metadataUrl)).RootElement;
        Assert.Equal(_resource, metadata.GetProperty("resource").GetString());
        Assert.Equal([Server.Issuer], metadata.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));

        // A valid token of this server, for the demo API: the MCP server is not its audience.
        var flow = new OAuthFlow(Server);
        var app = await Server.AddPublicClientAsync(redirectUris: "http://127.0.0.1:9/callback");
        var (verifier, challengeValue) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(app.ClientId, "http://127.0.0.1:9/callback", _username, challengeValue, scope: "read");
        var (demoToken, _, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://127.0.0.1:9/callback"), ("client_id", app.ClientId), ("code_verifier", verifier)]));
        Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(demoToken)).StatusCode);

        var refused = await http.SendAsync(Initialize(demoToken));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    /// <summary>An MCP initialize request (Streamable HTTP), as a client's first request.</summary>
    private HttpRequestMessage Initialize(string? accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _resource)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""",
                System.Text.Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return request;
    }
}
