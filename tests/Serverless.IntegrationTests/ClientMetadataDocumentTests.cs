using System.Net;
using System.Net.Security;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Serverless.IntegrationTests.BothHosts;

namespace Serverless.IntegrationTests;

/// <summary>
/// Client ID Metadata Documents over real HTTP: the server fetches the client's document from a local HTTPS server
/// (allow-listed: 127.0.0.1 is otherwise refused), caches it, and refuses every bad document with an error page, never
/// a redirect, without keeping it. The sign-in and tokens for such a client are asked of both hosts
/// (<see cref="ClientMetadataDocumentContractTests{TFixture}"/>).
/// </summary>
public sealed class ClientMetadataDocumentTests : LocalServerTest
{
    private HttpsTestServer _site = null!;

    protected override async Task<LocalServer> StartServerAsync()
    {
        _site = await HttpsTestServer.StartAsync();
        return await LocalServer.StartAsync(MetadataDocumentFixture.Settings, services: _site.TrustFromTheFetcher);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _site.DisposeAsync();
    }

    private Task<HttpResponseMessage> AuthorizeAsync(string clientId, string redirectUri = "http://127.0.0.1:50123/callback") =>
        Flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", redirectUri), ("scope", "read offline_access"),
            ("state", "s"), ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));

    [Fact]
    public async Task ADocument_IsKeptForItsMaxAge_WithinTheLimits()
    {
        var clientId = _site.Url("/tools/cached.json");
        _site.Serve("/tools/cached.json", MetadataDocumentFixture.Document(clientId), headers: ("Cache-Control", "max-age=300"));

        Assert.Equal(HttpStatusCode.OK, (await AuthorizeAsync(clientId)).StatusCode);
        await Server.PassTimeAsync(TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.OK, (await AuthorizeAsync(clientId)).StatusCode);
        Assert.Equal(1, _site.RequestsTo("/tools/cached.json"));

        await Server.PassTimeAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await AuthorizeAsync(clientId)).StatusCode);
        Assert.Equal(2, _site.RequestsTo("/tools/cached.json"));
    }

    [Fact]
    public async Task ACertificateCheckRegisteredInServices_NeverReachesTheFetcher()
    {
        // Whatever registers a RemoteCertificateValidationCallback in the services (a library, a careless host) must
        // not replace TLS validation for the SSRF-hardened fetcher: the document's site, trusted only by that
        // callback, stays untrusted.
        await using var server = await LocalServer.StartAsync(
            MetadataDocumentFixture.Settings,
            services: s => s.AddSingleton<RemoteCertificateValidationCallback>(_site.TrustsThisCertificate));
        var clientId = _site.Url("/tools/untrusted.json");
        _site.Serve("/tools/untrusted.json", MetadataDocumentFixture.Document(clientId));

        var response = await new OAuthFlow(server).Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", "http://127.0.0.1:50123/callback"), ("scope", "read"),
            ("state", "s"), ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("it could not be fetched", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        Assert.Equal(0, _site.RequestsTo("/tools/untrusted.json"));
    }

    public static TheoryData<string, string> BadDocuments() => new()
    {
        { "too-large", "larger than 5120 bytes" },
        { "slow", "did not arrive within 3 seconds" },
        { "html", "not served as application/json" },
        { "not-json", "not valid JSON" },
        { "redirects", "redirects are not followed" },
        { "missing", "answered HTTP 404" },
        { "other-client-id", "its client_id is not the URL it was fetched from" },
        { "confidential", "must describe a public client" },
        { "javascript-redirect", "javascript" },
        { "no-redirect-uris", "redirect_uris" },
    };

    [Theory]
    [MemberData(nameof(BadDocuments))]
    public async Task ABadDocument_GetsAnErrorPage_NeverARedirect_AndIsNotKept(string kind, string reason)
    {
        var path = $"/bad/{kind}.json";
        var clientId = _site.Url(path);
        switch (kind)
        {
            case "too-large":
                _site.Serve(path, MetadataDocumentFixture.Document(clientId, name: new string('x', 90)).Replace("}", ", \"padding\": \"" + new string('p', 6000) + "\"}"));
                break;
            case "slow":
                _site.Answer(path, async context =>
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
                    await context.Response.WriteAsync(MetadataDocumentFixture.Document(clientId));
                });
                break;
            case "html":
                _site.Serve(path, MetadataDocumentFixture.Document(clientId), "text/html");
                break;
            case "not-json":
                _site.Serve(path, "{\"client_id\": ");
                break;
            case "redirects":
                _site.Serve("/good.json", MetadataDocumentFixture.Document(_site.Url("/good.json")));
                _site.Answer(path, context =>
                {
                    context.Response.StatusCode = StatusCodes.Status302Found;
                    context.Response.Headers.Location = _site.Url("/good.json");
                    return Task.CompletedTask;
                });
                break;
            case "missing":
                break;
            case "other-client-id":
                _site.Serve(path, MetadataDocumentFixture.Document(_site.Url("/someone-else.json")));
                break;
            case "confidential":
                _site.Serve(path, MetadataDocumentFixture.Document(clientId, authMethod: "client_secret_basic"));
                break;
            case "javascript-redirect":
                _site.Serve(path, MetadataDocumentFixture.Document(clientId, redirectUri: "javascript:alert(1)"));
                break;
            case "no-redirect-uris":
                _site.Serve(path, JsonSerializer.Serialize(new { client_id = clientId, token_endpoint_auth_method = "none" }));
                break;
        }

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var response = await AuthorizeAsync(clientId);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Null(response.Headers.Location);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(reason, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        }

        // Remembered briefly (not fetched for each request), never as valid, and fetched again after that time.
        Assert.Equal(1, _site.RequestsTo(path));
        await Server.PassTimeAsync(TimeSpan.FromSeconds(31));
        Assert.Equal(HttpStatusCode.BadRequest, (await AuthorizeAsync(clientId)).StatusCode);
        Assert.Equal(2, _site.RequestsTo(path));
        await OAuthFlow.AssertOAuthErrorAsync(
            await Flow.PostTokenAsync([("grant_type", "authorization_code"), ("code", "a.b"), ("redirect_uri", MetadataDocumentFixture.Callback), ("client_id", clientId), ("code_verifier", new string('v', 43))]),
            HttpStatusCode.Unauthorized, "invalid_client");
    }

    /// <summary>
    /// Copies of the shape of the documents hosted MCP clients publish (see docs/mcp.md), served from the local site:
    /// Claude's (claude.ai/oauth/claude-code-client-metadata: its web callback and loopback redirects) and VS Code's
    /// (vscode.dev/oauth/client-metadata.json: vscode.dev's redirect page and a fixed loopback port). Public clients,
    /// with fields this server does not use, which it ignores.
    /// </summary>
    public static TheoryData<string, string[], string> HostedClientDocuments() => new()
    {
        { "/oauth/claude-code-client-metadata", ["https://claude.ai/api/mcp/auth_callback", "http://localhost/callback", "http://127.0.0.1/callback"], "http://127.0.0.1:54212/callback" },
        { "/oauth/client-metadata.json", ["https://vscode.dev/redirect", "http://127.0.0.1:33418/", "http://localhost:33418/"], "http://127.0.0.1:33418/" },
    };

    [Theory]
    [MemberData(nameof(HostedClientDocuments))]
    public async Task AHostedMcpClientsPublishedDocument_IsAValidClient(string path, string[] redirectUris, string usedRedirect)
    {
        var clientId = _site.Url(path);
        _site.Serve(path, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["client_id"] = clientId,
            ["client_name"] = path.Contains("claude", StringComparison.Ordinal) ? "Claude" : "Visual Studio Code",
            ["client_uri"] = "https://example.com",
            ["logo_uri"] = "https://example.com/logo.png",
            ["redirect_uris"] = redirectUris,
            ["grant_types"] = new[] { "authorization_code", "refresh_token" },
            ["response_types"] = new[] { "code" },
            ["token_endpoint_auth_method"] = "none",
            ["application_type"] = "native",
        }));
        var user = await Server.AddUserAsync();

        foreach (var redirectUri in redirectUris)
        {
            Assert.Equal(HttpStatusCode.OK, (await AuthorizeAsync(clientId, redirectUri)).StatusCode);
        }

        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(clientId, usedRedirect, user.Username, challenge, scope: "read");
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", usedRedirect), ("client_id", clientId), ("code_verifier", verifier)]));
        Assert.NotNull(refreshToken); // it registered refresh_token, and asked no offline_access
    }

    [Fact]
    public async Task WhenItsSiteCannotBeReached_TheLastGoodCopyStandsIn_ForAtMostSevenDays()
    {
        const string Path = "/tools/flaky.json";
        var clientId = _site.Url(Path);
        _site.Serve(Path, MetadataDocumentFixture.Document(clientId), headers: ("Cache-Control", "max-age=60"));
        Assert.Equal(HttpStatusCode.OK, (await AuthorizeAsync(clientId)).StatusCode);

        // A bot challenge: 503 with an HTML page. The stale copy is used, and the site is asked again only after a while.
        _site.Answer(Path, async context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>Checking your browser</html>");
        });
        await Server.PassTimeAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.OK, (await AuthorizeAsync(clientId)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await AuthorizeAsync(clientId)).StatusCode);
        Assert.Equal(2, _site.RequestsTo(Path));

        await Server.PassTimeAsync(TimeSpan.FromDays(7));
        var page = await AuthorizeAsync(clientId);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Contains("could not be reached: it answered HTTP 503", html);
        Assert.DoesNotContain("not registered", html);
    }

    [Fact]
    public async Task ADocumentItsSiteSaysIsGone_IsNotServedStale()
    {
        const string Path = "/tools/removed.json";
        var clientId = _site.Url(Path);
        _site.Serve(Path, MetadataDocumentFixture.Document(clientId), headers: ("Cache-Control", "max-age=60"));
        Assert.Equal(HttpStatusCode.OK, (await AuthorizeAsync(clientId)).StatusCode);

        _site.Answer(Path, context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await Server.PassTimeAsync(TimeSpan.FromMinutes(2));
        var page = await AuthorizeAsync(clientId);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("cannot be used: it answered HTTP 404", WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task ConcurrentRequestsForOneDocument_FetchItOnce()
    {
        const string Path = "/tools/popular.json";
        var clientId = _site.Url(Path);
        var release = new TaskCompletionSource();
        _site.Answer(Path, async context =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(10), context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(MetadataDocumentFixture.Document(clientId));
        });

        var requests = Enumerable.Range(0, 8).Select(_ => AuthorizeAsync(clientId)).ToList();
        await WaitUntilAsync(() => _site.RequestsTo(Path) > 0);
        await Task.Delay(200); // the other requests arrive while the fetch is under way
        release.SetResult();

        Assert.All(await Task.WhenAll(requests), response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(1, _site.RequestsTo(Path));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }
    }

    [Theory]
    [InlineData("https://127.0.0.2:{port}/doc.json")] // loopback, but not the allow-listed address
    [InlineData("https://10.0.0.1/doc.json")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]:{port}/doc.json")]
    [InlineData("https://127.1.2.3:{port}/doc.json")]
    [InlineData("https://[::127.0.0.1]:{port}/doc.json")] // IPv4-compatible
    [InlineData("https://[::ffff:0:127.0.0.1]:{port}/doc.json")] // IPv4-translated
    [InlineData("https://[64:ff9b:1::7f00:1]:{port}/doc.json")] // NAT64, local-use prefix
    [InlineData("https://[2001:2::1]:{port}/doc.json")] // benchmarking (IETF protocol assignments)
    public Task ADocumentOnAPrivateAddress_IsNeverFetched(string template) =>
        AssertErrorPageAsync(template, "private, loopback, link-local, multicast or reserved address");

    [Theory]
    [InlineData("https://127.0.0.1:{port}/")] // no path
    [InlineData("https://127.0.0.1:{port}/a/../doc.json")] // dot segments
    [InlineData("https://127.0.0.1:{port}/doc.json?x=1")]
    [InlineData("https://127.0.0.1:{port}/doc.json#f")]
    [InlineData("https://user@127.0.0.1:{port}/doc.json")]
    public async Task AClientIdThatIsNotACanonicalDocumentUrl_IsRefusedWithoutAFetch(string template)
    {
        await AssertErrorPageAsync(template, "not a usable metadata document URL");
        Assert.Equal(0, _site.RequestsTo("/doc.json"));
    }

    /// <summary>/authorize for the client_id (with "{port}" the local site's port) answers an error page saying why.</summary>
    private async Task AssertErrorPageAsync(string clientIdTemplate, string reason)
    {
        var response = await AuthorizeAsync(clientIdTemplate.Replace("{port}", _site.BaseAddress.Port.ToString(), StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ByDefault_DocumentsAreNotAccepted_NorAdvertised()
    {
        await using var server = await LocalServer.StartAsync();
        var flow = new OAuthFlow(server);
        var clientId = _site.Url("/tools/default.json");
        _site.Serve("/tools/default.json", MetadataDocumentFixture.Document(clientId));

        var metadata = await OAuthFlow.JsonAsync(await flow.Http.GetAsync(".well-known/oauth-authorization-server"));
        var page = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", MetadataDocumentFixture.Callback), ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));

        Assert.False(metadata.TryGetProperty("client_id_metadata_document_supported", out _));
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("does not accept Client ID Metadata Documents", await page.Content.ReadAsStringAsync());
        Assert.Equal(0, _site.RequestsTo("/tools/default.json"));
    }
}
