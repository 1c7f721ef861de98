using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Admin;
using Serverless.Testing;

namespace Serverless.IntegrationTests;

/// <summary>The admin commands against Azurite: what they write works at the endpoints, and bad input gets a message and exit 2.</summary>
public sealed class AdminCommandsTests : LocalServerTest
{
    private Dictionary<string, string?> _settings = null!;

    protected override Task SetUpAsync()
    {
        var options = Server.Get<Serverless.OAuth.Infrastructure.Options.OAuthServerOptions>();
        _settings = new()
        {
            ["OAuth:Issuer"] = Server.Issuer,
            ["OAuth:Storage:ConnectionString"] = options.Storage.ConnectionString,
            ["OAuth:Storage:TablePrefix"] = options.Storage.TablePrefix,
            ["OAuth:Signing:LocalKeyPath"] = Server.KeyPath,
        };
        return Task.CompletedTask;
    }

    private Task<(int Exit, string Output, string Error)> RunAsync(string input, params string[] args) => RunAsync(input, null, args);

    /// <summary>Runs the admin tool; with <paramref name="clock"/>, at that time rather than the real one.</summary>
    private async Task<(int Exit, string Output, string Error)> RunAsync(string input, TimeProvider? clock, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCommandLine.RunAsync(args, output, error, new StringReader(input), builder =>
        {
            builder.Configuration.AddInMemoryCollection(_settings);
            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }
        });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task ClientsAdd_Confidential_PrintsTheSecretOnce_AndItWorksAtTheTokenEndpoint()
    {
        var (exit, output, _) = await RunAsync("", "clients", "add", "--id", "svc-a", "--name", "Service A", "--confidential", "--grant", "client_credentials", "--scope", "read");

        Assert.Equal(0, exit);
        var secret = output.Split('\n').Single(l => l.Contains("client_secret:", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        var flow = new OAuthFlow(Server);
        var (accessToken, _, body) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync([("grant_type", "client_credentials")], ("svc-a", secret)));
        Assert.Equal("read", body.GetProperty("scope").GetString());
        Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(accessToken)).StatusCode);

        var (_, list, _) = await RunAsync("", "clients", "list");
        Assert.Contains("svc-a\tconfidential\tService A", list);
        Assert.DoesNotContain(secret, list);
    }

    [Fact]
    public async Task ClientsAdd_PostLogoutRedirectUris_AreStoredAndListed()
    {
        var (exit, _, _) = await RunAsync("", "clients", "add", "--id", "web-l", "--name", "Web", "--public", "--redirect-uri", "https://web.example.com/cb",
            "--post-logout-redirect-uri", "https://web.example.com/bye", "--post-logout-redirect-uri", "https://web.example.com/");

        Assert.Equal(0, exit);
        var stored = await Server.Get<Serverless.OAuth.Clients.IClientStore>().FindAsync("web-l");
        Assert.Equal(["https://web.example.com/bye", "https://web.example.com/"], stored!.PostLogoutRedirectUris);
        var (_, list, _) = await RunAsync("", "clients", "list");
        Assert.Contains("post-logout redirect URIs: https://web.example.com/bye https://web.example.com/", list.Split('\n').Single(l => l.StartsWith("web-l\t", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ClientsAdd_TheIntrospectAndRefreshWithoutOfflineAccessSettings_AreStoredAndListed()
    {
        var (exit, _, _) = await RunAsync("", "clients", "add", "--id", "rs-a", "--name", "Resource server", "--confidential",
            "--grant", "authorization_code", "--grant", "refresh_token", "--redirect-uri", "https://rs.example.com/cb", "--introspect", "--refresh-without-offline-access");
        var (plain, _, _) = await RunAsync("", "clients", "add", "--id", "rs-b", "--name", "Plain", "--confidential", "--grant", "client_credentials");
        var (publicExit, _, publicError) = await RunAsync("", "clients", "add", "--id", "spa-i", "--name", "SPA", "--public", "--redirect-uri", "https://spa.example.com/cb", "--introspect");

        Assert.Equal(0, exit);
        Assert.Equal(0, plain);
        var stored = await Server.Get<Serverless.OAuth.Clients.IClientStore>().FindAsync("rs-a");
        Assert.True(stored!.MayIntrospect);
        Assert.True(stored.RefreshWithoutOfflineAccess);
        var defaults = await Server.Get<Serverless.OAuth.Clients.IClientStore>().FindAsync("rs-b");
        Assert.False(defaults!.MayIntrospect);
        Assert.False(defaults.RefreshWithoutOfflineAccess);
        var (_, list, _) = await RunAsync("", "clients", "list");
        Assert.Contains("settings: --refresh-without-offline-access --introspect", list.Split('\n').Single(l => l.StartsWith("rs-a\t", StringComparison.Ordinal)));
        Assert.DoesNotContain("settings:", list.Split('\n').Single(l => l.StartsWith("rs-b\t", StringComparison.Ordinal)));
        Assert.Equal(2, publicExit);
        Assert.Contains("Only a confidential client may introspect", publicError);
    }

    [Fact]
    public async Task ClientsAdd_TakenId_Exits1_AndRemove_RemovesIt()
    {
        Assert.Equal(0, (await RunAsync("", "clients", "add", "--id", "spa-b", "--name", "SPA", "--public", "--redirect-uri", "https://spa.example.com/cb")).Exit);

        var (exit, _, error) = await RunAsync("", "clients", "add", "--id", "spa-b", "--name", "SPA", "--public", "--redirect-uri", "https://spa.example.com/cb");
        Assert.Equal(1, exit);
        Assert.Contains("already exists", error);

        Assert.Equal(0, (await RunAsync("", "clients", "remove", "--id", "spa-b")).Exit);
        var (again, _, missing) = await RunAsync("", "clients", "remove", "--id", "spa-b");
        Assert.Equal(1, again);
        Assert.Contains("No client", missing);
    }

    [Theory]
    [InlineData("--id is required", "clients", "add", "--name", "X", "--public", "--redirect-uri", "https://a.example/cb")]
    [InlineData("Say --public or --confidential", "clients", "add", "--id", "x", "--name", "X", "--redirect-uri", "https://a.example/cb")]
    [InlineData("needs at least one --redirect-uri", "clients", "add", "--id", "x", "--name", "X", "--public")]
    [InlineData("fragment", "clients", "add", "--id", "x", "--name", "X", "--public", "--redirect-uri", "https://a.example/cb#x")]
    [InlineData("use https", "clients", "add", "--id", "x", "--name", "X", "--public", "--redirect-uri", "http://a.example/cb")]
    [InlineData("cannot use client_credentials", "clients", "add", "--id", "x", "--name", "X", "--public", "--grant", "client_credentials")]
    [InlineData("Unknown grant", "clients", "add", "--id", "x", "--name", "X", "--confidential", "--grant", "password")]
    [InlineData("Unknown scope", "clients", "add", "--id", "x", "--name", "X", "--confidential", "--grant", "client_credentials", "--scope", "admin")]
    [InlineData("--id needs a value", "clients", "add", "--id")]
    [InlineData("Unknown argument", "clients", "list", "--verbose")]
    [InlineData("Unknown command", "clients", "frobnicate")]
    [InlineData("--username is required", "users", "add")]
    [InlineData("--identifier and --name are required", "api", "add", "--name", "X")]
    [InlineData("absolute URI", "api", "add", "--identifier", "/relative", "--name", "X")]
    [InlineData("fragment", "api", "add", "--identifier", "https://a.example.com#x", "--name", "X")]
    [InlineData("belongs to", "api", "add", "--identifier", "https://other.example.com", "--name", "X", "--scope", "read=Read")]
    [InlineData("server's own", "api", "add", "--identifier", "https://other.example.com", "--name", "X", "--scope", "offline_access")]
    [InlineData("between 1 minute and 1 day", "api", "add", "--identifier", "https://other.example.com", "--name", "X", "--token-lifetime", "0")]
    [InlineData("must be a registered confidential client", "api", "add", "--identifier", "https://other.example.com", "--name", "X", "--introspector", "nobody")]
    [InlineData("not a registered API", "clients", "add", "--id", "x", "--name", "X", "--confidential", "--grant", "client_credentials", "--resource", "https://nowhere.example.com")]
    public async Task BadArguments_GetAClearMessage_AndExit2(string message, params string[] args)
    {
        var (exit, _, error) = await RunAsync("", args);

        Assert.Equal(2, exit);
        Assert.Contains(message, error);
    }

    [Fact]
    public async Task Api_AddUpdateListRemove_AndItsTokensWorkAtTheEndpoints()
    {
        Assert.Equal(0, (await RunAsync("", "clients", "add", "--id", "api-rs", "--name", "Its introspector", "--confidential", "--grant", "client_credentials")).Exit);
        var (added, addOutput, addError) = await RunAsync("", "api", "add", "--identifier", "https://orders.example.com/api", "--name", "Orders",
            "--scope", "orders.read=Read your orders", "--token-lifetime", "5", "--introspector", "api-rs");
        Assert.True(added == 0, addError);
        Assert.Contains("Registered API: https://orders.example.com/api\tOrders\tscopes: orders.read\ttoken lifetime: 5 min", addOutput);
        Assert.Equal(1, (await RunAsync("", "api", "add", "--identifier", "https://orders.example.com/api", "--name", "Again")).Exit);
        // Another spelling of the same resource (RFC 3986 §6.2.2-6.2.3) is the same API: refused as a second one.
        var (twin, _, twinError) = await RunAsync("", "api", "add", "--identifier", "HTTPS://Orders.Example.com:443/api", "--name", "Twin");
        Assert.Equal(2, twin);
        Assert.Contains("names the same resource as https://orders.example.com/api", twinError);

        var (updated, _, _) = await RunAsync("", "api", "update", "--identifier", "https://ORDERS.example.com/api", "--scope", "orders.read=Read your orders", "--scope", "orders.write=Place orders");
        Assert.Equal(0, updated);
        var (_, list, _) = await RunAsync("", "api", "list");
        Assert.Contains("https://orders.example.com/api\tOrders\tscopes: orders.read orders.write\ttoken lifetime: 5 min\tclients: any\tintrospectors: api-rs", list);
        Assert.Contains($"{Server.Issuer}/resource\tthe demo resource\tscopes: read write", list);

        var (exit, output, _) = await RunAsync("", "clients", "add", "--id", "orders-app", "--name", "Orders app", "--confidential", "--grant", "client_credentials",
            "--scope", "orders.write", "--resource", "https://orders.example.com/api");
        Assert.Equal(0, exit);
        var secret = output.Split('\n').Single(l => l.Contains("client_secret:", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        await Server.PassTimeAsync(TimeSpan.FromMinutes(2)); // past the registry's cache in the server
        var (token, _, body) = await TokenSupport.ReadTokenResponseAsync(
            await new OAuthFlow(Server).PostTokenAsync([("grant_type", "client_credentials")], ("orders-app", secret)));
        Assert.Equal(300, body.GetProperty("expires_in").GetInt32());
        await TokenSupport.ValidateAgainstJwksAsync(new OAuthFlow(Server).Http, token, Server.Issuer, "https://orders.example.com/api");

        Assert.Equal(0, (await RunAsync("", "api", "remove", "--identifier", "https://orders.example.com/api")).Exit);
        var (removedAgain, _, missing) = await RunAsync("", "api", "remove", "--identifier", "https://orders.example.com/api");
        Assert.Equal(1, removedAgain);
        Assert.Contains("No API", missing);
    }

    [Fact]
    public async Task TheDemoApi_IsKnownToTheAdminTool_BeforeAnyServerRan()
    {
        _settings["OAuth:Storage:TablePrefix"] = "t" + Guid.NewGuid().ToString("N")[..10]; // tables no server has used

        var (exit, _, error) = await RunAsync("", "clients", "add", "--id", "early", "--name", "Early", "--confidential", "--grant", "client_credentials", "--scope", "read");
        var (_, list, _) = await RunAsync("", "api", "list");

        Assert.True(exit == 0, error);
        Assert.Contains($"{Server.Issuer}/resource\tthe demo resource\tscopes: read write", list);
    }

    [Theory]
    [InlineData("api", "help")]
    [InlineData("--introspector", "api", "add", "--help")]
    [InlineData("clients", "help")]
    [InlineData("clients", "--help")]
    [InlineData("--redirect-uri", "clients", "add", "--help")]
    public async Task Help_DescribesTheCommands_AndExits0(string expected, params string[] args)
    {
        var (exit, output, error) = await RunAsync("", args);

        Assert.Equal(0, exit);
        Assert.Contains(expected, output);
        Assert.Empty(error);
    }

    [Fact]
    public async Task UsersAdd_ReadsThePasswordFromStandardInput_AndTheUserCanSignIn()
    {
        var (exit, output, _) = await RunAsync("a long enough password\n", "users", "add", "--username", "Carol", "--display-name", "Carol C");

        Assert.Equal(0, exit);
        Assert.Contains("Added user 'carol'", output);
        Assert.DoesNotContain("a long enough password", output);
        var user = Server.Get<Serverless.OAuth.Identity.Users.IUserStore>() is var users ? users.VerifyPassword(await users.FindAsync("carol"), "a long enough password") : null;
        Assert.NotNull(user);
        Assert.Equal(2, (await RunAsync("short\n", "users", "add", "--username", "dave")).Exit);
        Assert.Equal(0, (await RunAsync("", "users", "remove", "--username", "carol")).Exit);
        Assert.Null(await Server.Get<Serverless.OAuth.Identity.Users.IUserStore>().FindAsync("carol"));
    }

    [Fact]
    public async Task ClientsAdd_TheIdTokenAlgorithm_IsStoredAndListed_AndAnUnknownOneRefused()
    {
        var (exit, _, _) = await RunAsync("", "clients", "add", "--id", "rp-es", "--name", "RP", "--public", "--redirect-uri", "https://rp.example.com/cb",
            "--scope", "openid profile", "--id-token-signed-response-alg", "ES256");
        var (refused, _, error) = await RunAsync("", "clients", "add", "--id", "rp-ps", "--name", "RP", "--public", "--redirect-uri", "https://rp.example.com/cb",
            "--id-token-signed-response-alg", "PS256");

        Assert.Equal(0, exit);
        Assert.Equal("ES256", (await Server.Get<Serverless.OAuth.Clients.IClientStore>().FindAsync("rp-es"))!.IdTokenSignedResponseAlg);
        Assert.Contains("--id-token-signed-response-alg ES256", (await RunAsync("", "clients", "list")).Output);
        Assert.NotEqual(0, refused);
        Assert.Contains("'PS256' is not one the server signs with (ES256, RS256)", error);
    }

    [Fact]
    public async Task ClientsAdd_DpopBoundAccessTokens_IsStoredAndListed()
    {
        var (exit, _, _) = await RunAsync("", "clients", "add", "--id", "cli-dpop", "--name", "CLI", "--public", "--redirect-uri", "http://127.0.0.1/cb",
            "--dpop-bound-access-tokens");

        Assert.Equal(0, exit);
        Assert.True((await Server.Get<Serverless.OAuth.Clients.IClientStore>().FindAsync("cli-dpop"))!.DpopBoundAccessTokens);
        Assert.Contains("--dpop-bound-access-tokens", (await RunAsync("", "clients", "list")).Output);
    }

    [Fact]
    public async Task UsersSetProfile_IsWhatUserInfoReleases()
    {
        var user = await Server.AddUserAsync();

        var (exit, output, _) = await RunAsync("", "users", "set-profile", "--username", user.Username, "--name", "Ada Lovelace", "--email", "ada@example.com", "--email-verified", "true");
        var (badEmail, _, badEmailError) = await RunAsync("", "users", "set-profile", "--username", user.Username, "--email", "not an address");
        var (nobody, _, _) = await RunAsync("", "users", "set-profile", "--username", "nobody-here", "--name", "X");

        Assert.Equal(0, exit);
        Assert.Contains("Set the profile", output);
        Assert.Equal(2, badEmail);
        Assert.Contains("not an email address", badEmailError);
        Assert.Equal(1, nobody);
        var stored = await Server.Get<Serverless.OAuth.Identity.Users.IUserStore>().FindBySubjectAsync(user.Subject);
        Assert.Equal(("Ada Lovelace", "ada@example.com", true), (stored!.DisplayName, stored.Email, stored.EmailVerified));
        Assert.NotNull(stored.UpdatedAt);
        var (_, list, _) = await RunAsync("", "users", "list");
        Assert.Contains($"{user.Username}\tsub {user.Subject}\tAda Lovelace\tada@example.com (verified)", list);
    }

    [Fact]
    public async Task KeysRotate_PublishesANewKeyOfEachAlgorithmBesideTheOld_AndTheServerSignsWithIt()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var flow = new OAuthFlow(Server);
        async Task<string> TokenAsync() => (await TokenSupport.ReadTokenResponseAsync(
            await flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read")], (client.ClientId, secret)))).AccessToken;
        async Task<HashSet<string>> PublishedAsync() =>
            System.Text.Json.JsonDocument.Parse(await flow.Http.GetStringAsync(".well-known/jwks.json")).RootElement.GetProperty("keys")
                .EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToHashSet();
        var oldKid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(await TokenAsync()).Kid;

        var (exit, output, _) = await RunAsync("", "keys", "rotate");

        Assert.Equal(0, exit);
        var created = Regex.Matches(output, "New signing key (\\S+) \\((ES256|RS256)\\)").ToDictionary(m => m.Groups[2].Value, m => m.Groups[1].Value);
        Assert.Equal(["ES256", "RS256"], created.Keys.Order());
        // The server reloads its key file within one refresh interval; by then the new key has been published for
        // that long and signs, and the old one stays published for the tokens it signed.
        await Server.PassTimeAsync(new Serverless.OAuth.Infrastructure.Options.SigningOptions().KeyRefreshInterval + TimeSpan.FromMinutes(1));
        Assert.Superset(new HashSet<string> { oldKid, created["ES256"], created["RS256"] }, await PublishedAsync());
        var token = await TokenAsync();
        Assert.Equal(created["ES256"], new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Kid);
        await TokenSupport.ValidateAgainstJwksAsync(flow.Http, token, Server.Issuer, Server.Issuer + "/resource");
    }

    [Fact]
    public async Task Purge_DeletesWhatExpired_AndReportsIt()
    {
        // A code the server issued (it lives 60 s), purged by the admin tool an hour later by its clock: the code is
        // gone (the server, whose clock has not moved, no longer finds it), and a second purge finds nothing left.
        const string Redirect = "https://purge.example.com/cb";
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var flow = new OAuthFlow(Server);
        var code = await flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge);
        var later = new ManualClock(Server.Clock.GetUtcNow().AddHours(1));

        var (exit, output, _) = await RunAsync("", later, "purge");
        var (_, again, _) = await RunAsync("", later, "purge");

        Assert.Equal(0, exit);
        Assert.True(int.Parse(Regex.Match(output, "Deleted (\\d+) expired rows").Groups[1].Value) >= 1, output);
        Assert.Contains("Deleted 0 expired rows", again);
        await OAuthFlow.AssertOAuthErrorAsync(
            await flow.PostTokenAsync([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]),
            HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task ABadSetting_Exits1_NamingIt()
    {
        _settings["OAuth:Issuer"] = "http://auth.example.com";

        var (exit, _, error) = await RunAsync("", "clients", "list");

        Assert.Equal(1, exit);
        Assert.Contains("OAuth:Issuer must use https", error);
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task StorageUnreachable_Exits1_WithAClearMessage()
    {
        _settings["OAuth:Storage:ConnectionString"] = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AzuriteServer.AccountKey
            + ";TableEndpoint=http://127.0.0.1:" + FreePort.Next() + "/devstoreaccount1;";

        var (exit, _, error) = await RunAsync("", "clients", "list");

        Assert.Equal(1, exit);
        Assert.Contains("could not be reached", error);
    }
}
