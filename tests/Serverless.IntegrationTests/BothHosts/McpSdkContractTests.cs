using System.Diagnostics;
using System.Net.Security;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Samples.McpServer;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// MCP clients we did not write, against the sample MCP server protected by this server, through both hosts: the MCP
/// TypeScript SDK (1.x, a node script) connects with no client set up in advance, through its Client ID Metadata
/// Document or dynamic registration, to an MCP server whose identifier is its origin (the SDK asks for it as
/// <c>new URL(x).href</c>, with a trailing "/") or its path; it signs in, calls the tool, and once the access token
/// has expired calls it again: the SDK refreshes without a new sign-in, although it never asks offline_access.
/// </summary>
public abstract class McpSdkContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : McpSdkFixture
{
    /// <summary>(origin, metadata document): all four on the local host; two on the worker, whose tokens expire on the real clock.</summary>
    public static TheoryData<bool, bool> Cases() => typeof(TFixture) == typeof(McpSdkFunctionsWorkerFixture)
        ? new() { { true, false }, { false, true } }
        : new() { { true, true }, { true, false }, { false, true }, { false, false } };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheTypeScriptSdk_SignsIn_CallsTheTool_AndRefreshesAfterTheTokenExpires(bool origin, bool metadataDocument)
    {
        await using var mcp = await fixture.StartMcpServerAsync(origin);
        var user = await fixture.Server.AddUserAsync();
        string? documentUrl = null;
        if (metadataDocument)
        {
            var path = $"/ts-client-{Guid.NewGuid():N}.json";
            documentUrl = fixture.Site.Url(path);
            fixture.Site.Serve(path, McpCSharpSdkContractTests<TFixture>.Document(documentUrl, "http://127.0.0.1:51998/callback"));
        }

        await using var node = TypeScriptSdkClient.Start(mcp.Endpoint, documentUrl, user.Username, LocalServer.Password);
        var first = await node.NextAsync();
        Assert.True(first.GetProperty("event").GetString() == "called", first.ToString());
        Assert.Contains(user.Subject, first.GetProperty("text").GetString());

        await fixture.LetAccessTokensExpireAsync();
        await node.ContinueAsync();
        var second = await node.NextAsync();
        Assert.True(second.GetProperty("event").GetString() == "called", second.ToString());
        var done = await node.NextAsync();
        Assert.True(done.GetProperty("event").GetString() == "done", done.ToString());

        // One sign-in, and the later token responses from refresh tokens, each rotated. (On the worker the tokens live
        // a second on the real clock, so a loaded machine may see more than one refresh.)
        Assert.Equal(1, done.GetProperty("signIns").GetInt32());
        var tokens = done.GetProperty("tokens").EnumerateArray().ToList();
        Assert.True(tokens.Count >= 2, done.ToString());
        Assert.All(tokens, t => Assert.NotNull(t.GetProperty("refresh").GetString()));
        Assert.Equal(tokens.Count, tokens.Select(t => t.GetProperty("access").GetString()).Distinct().Count());
        Assert.Equal(tokens.Count, tokens.Select(t => t.GetProperty("refresh").GetString()).Distinct().Count());
        if (metadataDocument)
        {
            Assert.Equal(documentUrl, done.GetProperty("clientId").GetString());
        }
    }

    /// <summary>
    /// The SDK's own machine client, PrivateKeyJwtProvider: client_credentials with an ES256 assertion it signs itself
    /// (no kid in its header, no client_id in the form, the issuer as audience) for a client that has registered only
    /// its public key, no secret; the tool answers. Signed with a key the client did not register, the SDK's
    /// connection fails at /token with invalid_client (it tries once more, refused again) and it holds no token.
    /// </summary>
    [Fact]
    public async Task TheTypeScriptSdk_PrivateKeyJwtProvider_GetsAClientCredentialsToken_AndCallsTheTool()
    {
        // The SDK dates its assertion by the real clock; the local host's clock has run ahead by the other tests' waits.
        long ClockOffsetMs() => (long)(fixture.ServerClock.GetUtcNow() - DateTimeOffset.UtcNow).TotalMilliseconds;

        await using var mcp = await fixture.StartMcpServerAsync(origin: false);
        using var key = new ClientKey();
        using var stranger = new ClientKey();
        var client = new OAuthClient
        {
            ClientId = "mcp-machine-" + Guid.NewGuid().ToString("N")[..8],
            Name = "MCP machine",
            Type = ClientType.Confidential,
            AllowedScopes = [mcp.Scope],
            AllowedGrantTypes = [GrantTypes.ClientCredentials],
            Jwks = key.Jwks,
        };
        Assert.True(await fixture.Server.Services.GetRequiredService<IClientStore>().AddAsync(client));
        Assert.Null(client.SecretHash);

        var called = await NodeScript.RunAsync("mcp-sdk-private-key-jwt.mjs", new
        {
            mcpUrl = mcp.Endpoint,
            issuer = fixture.Server.Issuer,
            clientId = client.ClientId,
            privateJwk = key.PrivateJwk,
            scope = mcp.Scope,
            clockOffsetMs = ClockOffsetMs(),
        });
        Assert.True(called.GetProperty("called").GetBoolean(), called.ToString());
        Assert.EndsWith($"through client {client.ClientId}", called.GetProperty("text").GetString());
        Assert.Equal(1, called.GetProperty("tokens").GetInt32());
        var request = Assert.Single(called.GetProperty("tokenRequests").EnumerateArray());
        Assert.Equal("client_credentials", request.GetProperty("grant_type").GetString());
        Assert.Equal(ClientKey.JwtBearer, request.GetProperty("client_assertion_type").GetString());
        Assert.Equal("ES256", request.GetProperty("assertion_header").GetProperty("alg").GetString());
        Assert.False(request.GetProperty("authorization").GetBoolean());
        Assert.DoesNotContain("client_secret", request.GetProperty("names").EnumerateArray().Select(n => n.GetString()));

        var refused = await NodeScript.RunAsync("mcp-sdk-private-key-jwt.mjs", new
        {
            mcpUrl = mcp.Endpoint,
            issuer = fixture.Server.Issuer,
            clientId = client.ClientId,
            privateJwk = stranger.PrivateJwk,
            clockOffsetMs = ClockOffsetMs(),
            scope = mcp.Scope,
        });
        Assert.False(refused.GetProperty("called").GetBoolean(), refused.ToString());
        Assert.Equal(OAuthErrorCodes.InvalidClient, refused.GetProperty("error").GetString());
        Assert.Equal(0, refused.GetProperty("tokens").GetInt32());
        // The SDK tries once more after invalid_client (its auth() retries on it); every try is a signed assertion, refused.
        var tries = refused.GetProperty("tokenRequests").EnumerateArray().ToList();
        Assert.InRange(tries.Count, 1, 2);
        Assert.All(tries, t => Assert.Equal(ClientKey.JwtBearer, t.GetProperty("client_assertion_type").GetString()));
    }
}

/// <summary>
/// The MCP C# SDK's side of <see cref="McpSdkContractTests{TFixture}"/>: the same four ways in, through its own OAuth
/// client (it asks offline_access itself, and sends the resource verbatim).
/// </summary>
public abstract class McpCSharpSdkContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : McpSdkFixture
{
    private const string Callback = "http://127.0.0.1:51997/callback";
    private int _signIns;
    private string _username = null!;

    /// <summary>What a person does in the browser: the sign-in page, Allow; the code comes back on the redirect. The one function that knows the page.</summary>
    private async Task<ModelContextProtocol.Authentication.AuthorizationResult?> SignInAsync(ModelContextProtocol.Authentication.AuthorizationCallbackContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _signIns);
        var flow = new OAuthFlow(fixture.Server);
        var page = await flow.Http.GetAsync(context.AuthorizationUri, cancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        var redirect = await flow.PostLoginFormAsync(await page.Content.ReadAsStringAsync(cancellationToken), _username, LocalServer.Password);
        var parameters = OAuthFlow.RedirectParameters(redirect);
        return new() { Code = parameters["code"], State = parameters.GetValueOrDefault("state"), Iss = parameters.GetValueOrDefault("iss") };
    }

    public static TheoryData<bool, bool> Cases() => typeof(TFixture) == typeof(McpSdkFunctionsWorkerFixture)
        ? new() { { true, true }, { false, false } }
        : new() { { true, true }, { true, false }, { false, true }, { false, false } };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TheCSharpSdk_SignsIn_CallsTheTool_AndRefreshesAfterTheTokenExpires(bool origin, bool metadataDocument)
    {
        await using var mcp = await fixture.StartMcpServerAsync(origin);
        var user = await fixture.Server.AddUserAsync();
        _username = user.Username;
        var tokens = new RecordingTokenCache();
        var oauth = new ModelContextProtocol.Authentication.ClientOAuthOptions
        {
            RedirectUri = new Uri(Callback),
            AuthorizationCallbackHandler = SignInAsync,
            TokenCache = tokens,
        };
        if (metadataDocument)
        {
            var path = $"/cs-client-{Guid.NewGuid():N}.json";
            var documentUrl = fixture.Site.Url(path);
            fixture.Site.Serve(path, Document(documentUrl, Callback));
            oauth.ClientMetadataDocumentUri = new Uri(documentUrl);
        }
        else
        {
            oauth.DynamicClientRegistration = new() { ClientName = "MCP C# SDK test client" };
        }

        await using var client = await ModelContextProtocol.Client.McpClient.CreateAsync(new ModelContextProtocol.Client.HttpClientTransport(
            new ModelContextProtocol.Client.HttpClientTransportOptions { Endpoint = new Uri(mcp.Endpoint), OAuth = oauth }));
        Assert.Contains(user.Subject, await WhoAmIAsync(client));

        await fixture.LetAccessTokensExpireAsync();
        Assert.Contains(user.Subject, await WhoAmIAsync(client));
        Assert.Equal(1, _signIns);
        var stored = tokens.All;
        Assert.True(stored.Count >= 2, $"{stored.Count} token responses");
        Assert.All(stored, t => Assert.NotNull(t.RefreshToken));
        Assert.Equal(stored.Count, stored.Select(t => t.AccessToken).Distinct().Count());
    }

    private static async Task<string> WhoAmIAsync(ModelContextProtocol.Client.McpClient client)
    {
        var result = await client.CallToolAsync("whoami");
        Assert.NotEqual(true, result.IsError);
        return Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single(result.Content)).Text;
    }

    public static string Document(string clientId, string redirectUri) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["client_id"] = clientId,
        ["client_name"] = "MCP SDK test client",
        ["redirect_uris"] = new[] { redirectUri },
        ["grant_types"] = new[] { "authorization_code", "refresh_token" },
        ["response_types"] = new[] { "code" },
        ["token_endpoint_auth_method"] = "none",
    });

    private sealed class RecordingTokenCache : ModelContextProtocol.Authentication.ITokenCache
    {
        private readonly List<ModelContextProtocol.Authentication.TokenContainer> _stored = [];

        public IReadOnlyList<ModelContextProtocol.Authentication.TokenContainer> All
        {
            get
            {
                lock (_stored)
                {
                    return [.. _stored];
                }
            }
        }

        public ValueTask StoreTokensAsync(ModelContextProtocol.Authentication.TokenContainer tokens, CancellationToken cancellationToken)
        {
            lock (_stored)
            {
                _stored.Add(tokens);
            }

            return default;
        }

        public ValueTask<ModelContextProtocol.Authentication.TokenContainer?> GetTokensAsync(CancellationToken cancellationToken)
        {
            lock (_stored)
            {
                return new(_stored.LastOrDefault());
            }
        }
    }
}

/// <summary>The sample MCP server on a port of its own, its identifier registered as an API of the server with a scope of its own.</summary>
public sealed class RunningMcpServer(WebApplication app, string endpoint, string scope) : IAsyncDisposable
{
    public string Endpoint { get; } = endpoint;

    /// <summary>The scope its tools need (registered with its API).</summary>
    public string Scope { get; } = scope;

    public ValueTask DisposeAsync() => app.DisposeAsync();
}

/// <summary>An authorization server that takes dynamic registration and metadata documents (from <see cref="MetadataDocumentFixture.Site"/>).</summary>
public abstract class McpSdkFixture(Func<HttpsTestServer, Task<IOAuthTestServer>> start, TimeProvider clock, TimeSpan tokenLifetime)
    : MetadataDocumentFixture(start)
{
    public static Dictionary<string, string?> McpSettings => new(Settings)
    {
        ["OAuth:DynamicRegistration:Enabled"] = "true",
        ["OAuth:DynamicRegistration:RateLimit:MaxFailures"] = "1000",
    };

    /// <summary>Starts the sample MCP server and registers it: at an origin ("http://127.0.0.1:port") or a path (".../mcp").</summary>
    public async Task<RunningMcpServer> StartMcpServerAsync(bool origin)
    {
        var port = FreePort.Next();
        var resource = origin ? $"http://127.0.0.1:{port}" : $"http://127.0.0.1:{port}{McpServerApp.Path}";
        var scope = "tools." + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await Server.Services.GetRequiredService<IApiStore>().AddAsync(new ApiResource
        {
            Identifier = resource,
            Name = "Sample MCP server",
            Scopes = [new ApiScope(scope, "Use the sample MCP server's tools")],
        }));
        var app = McpServerApp.Build(["--urls", $"http://127.0.0.1:{port}"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Mcp:Authority"] = Server.Issuer, ["Mcp:Resource"] = resource, ["Mcp:Scope"] = scope });
            builder.Services.AddSingleton(clock);
            builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.TokenValidationParameters.ClockSkew = TimeSpan.Zero);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        await ApiRegistryCaughtUpAsync();
        return new RunningMcpServer(app, $"http://127.0.0.1:{port}{McpServerApp.Path}", scope);
    }

    /// <summary>The worker caches the API registry; its cache is set short, and waited out.</summary>
    protected virtual Task ApiRegistryCaughtUpAsync() => Task.CompletedTask;

    /// <summary>The clock of the server under test (and of the sample MCP server), which may run ahead of the real one.</summary>
    public TimeProvider ServerClock => clock;

    /// <summary>The sample MCP server decides that a token has expired, on the clock it was given.</summary>
    public virtual Task LetAccessTokensExpireAsync() => Server.PassTimeAsync(tokenLifetime + TimeSpan.FromSeconds(1));
}

public sealed class McpSdkLocalHostFixture : McpSdkFixture
{
    public McpSdkLocalHostFixture()
        : this(ManualClock.Running())
    {
    }

    /// <summary>
    /// A clock of this fixture's own: the TypeScript and C# SDK classes run side by side, and one's wait for tokens to
    /// expire must not expire the other's code between its sign-in and its token request.
    /// </summary>
    private McpSdkLocalHostFixture(ManualClock clock)
        : base(
            async site => await LocalServer.StartAsync(McpSettings, clock: clock, services: site.TrustFromTheFetcher),
            clock,
            TimeSpan.FromHours(1))
    {
    }
}

public sealed class McpSdkFunctionsWorkerFixture()
    : McpSdkFixture(
        async site => await FunctionsWorkerServer.StartAsync(new(McpSettings)
        {
            ["SSL_CERT_FILE"] = site.CertificateFile,
            ["OAuth:AccessTokenLifetime"] = WorkerTokenLifetime.ToString(),
            ["OAuth:ClientCacheLifetime"] = "00:00:01",
        }),
        TimeProvider.System,
        WorkerTokenLifetime)
{
    /// <summary>Long enough for an SDK to use a token it just got on a loaded machine; short enough to wait out.</summary>
    private static readonly TimeSpan WorkerTokenLifetime = TimeSpan.FromSeconds(3);

    protected override Task ApiRegistryCaughtUpAsync() => Task.Delay(TimeSpan.FromSeconds(1.5));

    /// <summary>
    /// The sample MCP server runs on the real clock, so the wait is real: moving only the worker's test clock would
    /// leave the MCP server accepting the token, and the SDK would never refresh.
    /// </summary>
    public override Task LetAccessTokensExpireAsync() => Task.Delay(WorkerTokenLifetime + TimeSpan.FromSeconds(1));
}

public sealed class LocalHostMcpSdkTests(McpSdkLocalHostFixture fixture) : McpSdkContractTests<McpSdkLocalHostFixture>(fixture);

public sealed class FunctionsWorkerMcpSdkTests(McpSdkFunctionsWorkerFixture fixture) : McpSdkContractTests<McpSdkFunctionsWorkerFixture>(fixture);

public sealed class LocalHostMcpCSharpSdkTests(McpSdkLocalHostFixture fixture) : McpCSharpSdkContractTests<McpSdkLocalHostFixture>(fixture);

public sealed class FunctionsWorkerMcpCSharpSdkTests(McpSdkFunctionsWorkerFixture fixture) : McpCSharpSdkContractTests<McpSdkFunctionsWorkerFixture>(fixture);

/// <summary>
/// The node script <c>Mcp/typescript-sdk-client.mjs</c>, an MCP client on the MCP TypeScript SDK: one JSON line per
/// step on its stdout; a line on its stdin lets it go on after the test has let time pass.
/// </summary>
public sealed class TypeScriptSdkClient : IAsyncDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
    private readonly System.Text.StringBuilder _errors = new();

    private TypeScriptSdkClient(Process process) => _process = process;

    public static TypeScriptSdkClient Start(string mcpUrl, string? clientMetadataUrl, string username, string password)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "tests", "Serverless.IntegrationTests", "Mcp", "typescript-sdk-client.mjs"));
        start.Environment["MCP_URL"] = mcpUrl;
        start.Environment["CLIENT_METADATA_URL"] = clientMetadataUrl ?? "";
        start.Environment["USERNAME"] = username;
        start.Environment["PASSWORD"] = password;
        var client = new TypeScriptSdkClient(Process.Start(start) ?? throw new InvalidOperationException("Could not start node."));
        client._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                client._lines.Writer.TryComplete();
            }
            else if (e.Data.StartsWith('{'))
            {
                client._lines.Writer.TryWrite(e.Data);
            }
        };
        client._process.ErrorDataReceived += (_, e) =>
        {
            lock (client._errors)
            {
                client._errors.AppendLine(e.Data);
            }
        };
        client._process.BeginOutputReadLine();
        client._process.BeginErrorReadLine();
        return client;
    }

    public async Task<JsonElement> NextAsync()
    {
        try
        {
            var line = await _lines.Reader.ReadAsync().AsTask().WaitAsync(StepTimeout);
            return JsonDocument.Parse(line).RootElement;
        }
        catch (Exception e) when (e is TimeoutException or System.Threading.Channels.ChannelClosedException)
        {
            lock (_errors)
            {
                throw new InvalidOperationException("The TypeScript SDK client said nothing more. Its stderr: " + _errors, e);
            }
        }
    }

    public async Task ContinueAsync()
    {
        await _process.StandardInput.WriteLineAsync("continue");
        await _process.StandardInput.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
