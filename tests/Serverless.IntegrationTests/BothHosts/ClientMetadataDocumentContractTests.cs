using System.Text.Json;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// A client known by its Client ID Metadata Document, asked of both hosts: the server fetches the document from a
/// local HTTPS server (allow-listed: 127.0.0.1 is otherwise refused), signs a user in for it, issues tokens and
/// refreshes. The local host trusts that server's certificate through a certificate check in its services; the
/// worker, a process of its own, through SSL_CERT_FILE in its environment. Caching and the bad documents are tested
/// on the local host (<see cref="ClientMetadataDocumentTests"/>).
/// </summary>
public abstract class ClientMetadataDocumentContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : MetadataDocumentFixture
{
    [Fact]
    public async Task AClientKnownByItsDocument_SignsAUserIn_GetsTokens_AndRefreshes()
    {
        var (site, server) = (fixture.Site, fixture.Server);
        var flow = new OAuthFlow(server);
        var clientId = site.Url("/tools/doc-tool.json");
        site.Serve("/tools/doc-tool.json", MetadataDocumentFixture.Document(clientId));
        var user = await server.AddUserAsync();
        var metadata = await OAuthFlow.JsonAsync(await flow.Http.GetAsync(".well-known/oauth-authorization-server"));
        Assert.True(metadata.GetProperty("client_id_metadata_document_supported").GetBoolean());

        const string Listening = "http://127.0.0.1:50123/callback";
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var page = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", Listening), ("scope", "read offline_access"),
            ("state", "s"), ("code_challenge", challenge), ("code_challenge_method", "S256")));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Doc Tool", html);
        Assert.Contains("described by <strong>127.0.0.1</strong>", html);
        Assert.Contains("id=\"localhost-warning\"", html);

        var code = await flow.GetCodeAsync(clientId, Listening, user.Username, challenge, scope: "read offline_access");
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Listening), ("client_id", clientId), ("code_verifier", verifier)]));
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", clientId)]));
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(flow.Http, accessToken, server.Issuer, $"{server.Issuer}/resource");
        Assert.Equal(clientId, jwt.GetClaim("client_id").Value);
        Assert.Equal(1, site.RequestsTo("/tools/doc-tool.json"));
    }

    [Fact]
    public async Task AClientKnownByItsDocument_CanSendItsUserToEndSession_AndTheSessionEnds()
    {
        var (site, server) = (fixture.Site, fixture.Server);
        var flow = new OAuthFlow(server);
        var clientId = site.Url("/tools/logout-tool.json");
        site.Serve("/tools/logout-tool.json", MetadataDocumentFixture.Document(clientId, name: "Logout Tool"));
        var user = await server.AddUserAsync();
        const string Listening = "http://127.0.0.1:50124/callback";
        await flow.GetCodeAsync(clientId, Listening, user.Username, OAuthFlow.NewPkce().Challenge, scope: "read");

        // No ID token: the user is asked, on a page naming the client, and the answer ends the session.
        var asked = await flow.Http.GetAsync("endsession?client_id=" + Uri.EscapeDataString(clientId));
        var html = await asked.Content.ReadAsStringAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains("Logout Tool", html);
        var fields = OAuthFlow.HiddenFields(html);
        fields["action"] = Serverless.OAuth.Interaction.Pages.LogoutPage.SignOut;
        var signedOut = await flow.Http.PostAsync("endsession", new FormUrlEncodedContent(fields));
        Assert.Equal(System.Net.HttpStatusCode.OK, signedOut.StatusCode);
        Assert.Contains("You are signed out", await signedOut.Content.ReadAsStringAsync());

        var again = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", Listening), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"), ("prompt", "none")));
        Assert.Equal("login_required", OAuthFlow.RedirectParameters(again)["error"]);
    }

    [Fact]
    public async Task ADocumentWithANonAsciiRedirectUri_IsRefused_AsAnErrorPage_NeverA500()
    {
        var (site, server) = (fixture.Site, fixture.Server);
        var clientId = site.Url("/tools/umlaut-tool.json");
        const string Redirect = "http://127.0.0.1/c\u00e4llback";
        site.Serve("/tools/umlaut-tool.json", MetadataDocumentFixture.Document(clientId, redirectUri: Redirect));

        var response = await new OAuthFlow(server).Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("must be ASCII", System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task AnUnreachableDocument_IsToldApartFromAnUnknownClient()
    {
        var (site, server) = (fixture.Site, fixture.Server);
        var flow = new OAuthFlow(server);
        var clientId = site.Url("/tools/down.json");
        site.Answer("/tools/down.json", context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });

        async Task<string> ErrorPageAsync(string id)
        {
            var page = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
                ("response_type", "code"), ("client_id", id), ("redirect_uri", MetadataDocumentFixture.Callback), ("state", "s"),
                ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, page.StatusCode);
            Assert.Null(page.Headers.Location);
            return System.Net.WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        }

        var unreachable = await ErrorPageAsync(clientId);
        Assert.Contains("metadata document could not be reached: it answered HTTP 503", unreachable);
        Assert.DoesNotContain("not registered", unreachable);
        Assert.Contains("not registered", await ErrorPageAsync("no-such-client"));
    }
}

/// <summary>A local HTTPS server for the documents, and a server that may fetch from it.</summary>
public abstract class MetadataDocumentFixture(Func<HttpsTestServer, Task<IOAuthTestServer>> start) : IAsyncLifetime
{
    /// <summary>The redirect URI of the documents <see cref="Document"/> writes: loopback without a port, so any port matches (RFC 8252 §7.3).</summary>
    public const string Callback = "http://127.0.0.1/callback";

    public static string Document(string clientId, string redirectUri = Callback, string authMethod = "none", string name = "Doc Tool") =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["client_id"] = clientId,
            ["client_name"] = name,
            ["redirect_uris"] = new[] { redirectUri },
            ["grant_types"] = new[] { "authorization_code", "refresh_token" },
            ["token_endpoint_auth_method"] = authMethod,
        });

    public static Dictionary<string, string?> Settings => new()
    {
        ["OAuth:ClientMetadataDocuments:Enabled"] = "true",
        ["OAuth:ClientMetadataDocuments:AllowedAddresses:0"] = "127.0.0.1",
        // Long enough for a loaded test machine; the slow document takes longer.
        ["OAuth:ClientMetadataDocuments:FetchTimeout"] = "00:00:03",
    };

    public HttpsTestServer Site { get; private set; } = null!;

    public IOAuthTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Site = await HttpsTestServer.StartAsync();
        Server = await start(Site);
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (Site is not null)
        {
            await Site.DisposeAsync();
        }
    }
}

public sealed class MetadataDocumentLocalHostFixture() : MetadataDocumentFixture(async site => await LocalServer.StartAsync(
    Settings, services: site.TrustFromTheFetcher));

public sealed class MetadataDocumentFunctionsWorkerFixture() : MetadataDocumentFixture(async site => await FunctionsWorkerServer.StartAsync(
    new(Settings) { ["SSL_CERT_FILE"] = site.CertificateFile }));

public sealed class LocalHostClientMetadataDocumentTests(MetadataDocumentLocalHostFixture fixture)
    : ClientMetadataDocumentContractTests<MetadataDocumentLocalHostFixture>(fixture);

public sealed class FunctionsWorkerClientMetadataDocumentTests(MetadataDocumentFunctionsWorkerFixture fixture)
    : ClientMetadataDocumentContractTests<MetadataDocumentFunctionsWorkerFixture>(fixture);
