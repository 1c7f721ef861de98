using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Azure.Data.Tables;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.IntegrationTests;

/// <summary>
/// Three server processes over one Azurite (<see cref="ThreeInstances"/>): a flow whose steps land on different
/// instances, revocation seen by every instance at once, concurrent refreshes of one token on three instances, a client
/// added by the admin command reaching every instance within the client cache lifetime, and a lockout counted across
/// instances. The bounds tested are the ones the README states.
/// </summary>
public sealed class MultiInstanceTests(ThreeInstances instances) : IClassFixture<ThreeInstances>
{
    private const string Redirect = "https://app.example.com/callback";

    [Fact]
    public async Task AFlowSpreadOverThreeInstances_Works_AndARevocationOnOneIsRefusedByAllAtOnce()
    {
        // GET /authorize on the first instance, the login form's POST on the second, the code exchange on the third,
        // the refresh on the first again.
        using var roundRobin = instances.RoundRobin();
        var (client, secret, refreshToken) = await SignInAndExchangeAsync(roundRobin);
        var (accessToken, rotated, _) = await TokenSupport.ReadTokenResponseAsync(await PostTokenAsync(roundRobin, client.ClientId, secret,
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken!)));

        // Every instance accepts the token, and it verifies against every instance's JWKS.
        for (var i = 0; i < 3; i++)
        {
            using var http = instances.Client(i);
            Assert.Equal(HttpStatusCode.OK, (await GetResourceAsync(http, accessToken)).StatusCode);
            await TokenSupport.ValidateAgainstJwksAsync(http, accessToken, instances.Issuer, instances.Issuer + "/resource");
        }

        // Revoked on the second instance: refused by the others on the very next request (the documented bound is none:
        // /resource reads the token's revocation partition on every call, and the refresh token's row is read on use).
        using (var second = instances.Client(1))
        {
            var revoke = await PostAsync(second, "revoke", client.ClientId, secret, ("token", rotated!), ("token_type_hint", "refresh_token"));
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        foreach (var i in new[] { 0, 2 })
        {
            using var http = instances.Client(i);
            var resource = await GetResourceAsync(http, accessToken);
            Assert.Equal(HttpStatusCode.Unauthorized, resource.StatusCode);
            Assert.Contains("invalid_token", resource.Headers.WwwAuthenticate.ToString());
            await OAuthFlow.AssertOAuthErrorAsync(
                await PostTokenAsync(http, client.ClientId, secret, ("grant_type", "refresh_token"), ("refresh_token", rotated!)),
                HttpStatusCode.BadRequest, OAuthErrorCodes.InvalidGrant);
        }
    }

    [Fact]
    public async Task ConcurrentRefreshesOfOneToken_OnThreeInstances_AllGetTheOneSuccessor()
    {
        using var roundRobin = instances.RoundRobin();
        var (client, secret, refreshToken) = await SignInAndExchangeAsync(roundRobin);
        var clients = Enumerable.Range(0, 3).Select(i => instances.Client(i)).ToList();

        for (var round = 0; round < 5; round++)
        {
            var presented = refreshToken!;
            var responses = await Task.WhenAll(clients.Select(http =>
                PostTokenAsync(http, client.ClientId, secret, ("grant_type", "refresh_token"), ("refresh_token", presented))));
            var successors = new HashSet<string>(StringComparer.Ordinal);
            foreach (var response in responses)
            {
                successors.Add((await TokenSupport.ReadTokenResponseAsync(response)).RefreshToken!);
            }

            // One rotation committed; the others, within the grace window, were given its successor: the family never forks.
            refreshToken = Assert.Single(successors);
            Assert.NotEqual(presented, refreshToken);
        }

        var rows = await FamilyRowsAsync(refreshToken!);
        Assert.Single(rows, r => r.GetString("State") == RefreshTokenState.Active);
        Assert.Equal(5, rows.Count(r => r.GetString("State") == RefreshTokenState.Rotated));
        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task AClientAddedByTheAdminCommand_IsUsableOnEveryInstance_WithinTheClientCacheLifetime()
    {
        var clientId = "added-" + Guid.NewGuid().ToString("N")[..8];
        var clients = Enumerable.Range(0, 3).Select(i => instances.Client(i)).ToList();

        // Asked for before it exists: every instance remembers the absence (for at most the cache lifetime).
        foreach (var http in clients)
        {
            await OAuthFlow.AssertOAuthErrorAsync(
                await PostTokenAsync(http, clientId, "not-yet", ("grant_type", "client_credentials")), HttpStatusCode.Unauthorized, OAuthErrorCodes.InvalidClient);
        }

        var (exitCode, output) = await LocalHostProcess.RunAdminAsync(instances.Environment,
            "clients", "add", "--id", clientId, "--name", "Added later", "--confidential", "--grant", "client_credentials", "--scope", "read");
        Assert.True(exitCode == 0, output);
        var secret = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("client_secret: ", StringComparison.Ordinal))["client_secret: ".Length..];

        // Once the cache lifetime has passed since the last lookup, every instance knows the client.
        await Task.Delay(ThreeInstances.ClientCacheLifetime + TimeSpan.FromMilliseconds(250));
        foreach (var http in clients)
        {
            await TokenSupport.ReadTokenResponseAsync(await PostTokenAsync(http, clientId, secret, ("grant_type", "client_credentials")));
        }

        clients.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task FailedSignInsOnDifferentInstances_CountTowardsOneLockout()
    {
        var (client, _) = await instances.AddConfidentialClientAsync(Redirect);
        var user = await instances.AddUserAsync();
        using var roundRobin = instances.RoundRobin();

        // Each attempt is a GET (the page) and a POST (the guess): with three instances, the guesses land on all three.
        for (var i = 0; i < ThreeInstances.MaxFailures; i++)
        {
            var wrong = await SignInAsync(roundRobin, client.ClientId, user.Username, "wrong password");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        // Locked everywhere: the right password is refused on each instance.
        for (var i = 0; i < 3; i++)
        {
            using var http = instances.Client(i);
            var locked = await SignInAsync(http, client.ClientId, user.Username, LocalServer.Password);
            Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
            Assert.Contains("Too many failed sign-ins", await locked.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task ASessionEndedOnOneInstance_SignsNoOneIn_OnTheOthers_AtTheNextRequest()
    {
        // One browser (one cookie jar) over all three: signed in on the first, known on the second.
        var browser = new CookieContainer();
        var (client, _) = await instances.AddConfidentialClientAsync(Redirect);
        var user = await instances.AddUserAsync();
        using (var first = instances.Client(0, browser))
        {
            Assert.Contains("code", OAuthFlow.RedirectParameters(await SignInAsync(first, client.ClientId, user.Username, LocalServer.Password)).Keys);
        }

        var authorize = OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect),
            ("scope", "read offline_access"), ("state", "s"), ("prompt", "none"));
        using (var second = instances.Client(1, browser))
        {
            Assert.Contains("code", OAuthFlow.RedirectParameters(await second.GetAsync(authorize)).Keys);
        }

        // Signed out on the third, with a copy of the cookie kept aside as a stolen one would be.
        var kept = new CookieContainer();
        kept.Add(browser.GetAllCookies());
        using (var third = instances.Client(2, browser))
        {
            var account = await (await third.GetAsync("account")).Content.ReadAsStringAsync();
            var signedOut = await third.PostAsync("account", new FormUrlEncodedContent(new Dictionary<string, string> { ["csrf_token"] = OAuthFlow.CsrfToken(account), ["action"] = "signout" }));
            Assert.Contains("You are signed out", await signedOut.Content.ReadAsStringAsync());
        }

        // The kept cookie signs no one in on either other instance, at once (no cache to wait out).
        foreach (var i in new[] { 0, 1 })
        {
            using var http = instances.Client(i, kept);
            Assert.Equal("login_required", OAuthFlow.RedirectParameters(await http.GetAsync(authorize))["error"]);
        }
    }

    [Fact]
    public async Task AClientAssertion_IsAcceptedOnce_AcrossInstances_EvenSentToAllAtOnce()
    {
        using var key = new ClientKey();
        var client = new Serverless.OAuth.Clients.OAuthClient
        {
            ClientId = "multi-jwt-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Multi-instance Machine",
            Type = Serverless.OAuth.Clients.ClientType.Confidential,
            AllowedScopes = ["read"],
            AllowedGrantTypes = [Serverless.OAuth.Protocol.GrantTypes.ClientCredentials],
            Jwks = key.Jwks,
        };
        Assert.True(await new Serverless.OAuth.Clients.ClientStore(new OAuthTables(instances.Storage), new Serverless.OAuth.Infrastructure.Storage.ExpiryIndex(new OAuthTables(instances.Storage)), new Serverless.OAuth.Infrastructure.Options.OAuthServerOptions(), TimeProvider.System).AddAsync(client));
        var clients = Enumerable.Range(0, 3).Select(i => instances.Client(i)).ToList();

        for (var round = 0; round < 3; round++)
        {
            var assertion = key.Assertion(client.ClientId, instances.Issuer);
            var responses = await Task.WhenAll(clients.Select(http => http.PostAsync("token", new FormUrlEncodedContent(
                ClientAssertionRegistrations.AssertionForm(assertion, ("grant_type", "client_credentials")).Select(p => new KeyValuePair<string, string>(p.Name, p.Value))))));
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized));
        }
    }

    /// <summary>A new client and user, signed in and the code exchanged through <paramref name="http"/>: its refresh token.</summary>
    private async Task<(Serverless.OAuth.Clients.OAuthClient Client, string Secret, string? RefreshToken)> SignInAndExchangeAsync(HttpClient http)
    {
        var (client, secret) = await instances.AddConfidentialClientAsync(Redirect);
        var user = await instances.AddUserAsync();
        var code = await GetCodeAsync(http, client.ClientId, user.Username, LocalServer.Password);
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await PostTokenAsync(http, client.ClientId, secret,
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect)));
        return (client, secret, refreshToken);
    }

    /// <summary>GET /authorize and the login form's POST; a confidential client, so no PKCE challenge is needed.</summary>
    private async Task<HttpResponseMessage> SignInAsync(HttpClient http, string clientId, string username, string password)
    {
        var page = await http.GetAsync(OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect),
            ("scope", "read offline_access"), ("state", "s")));
        Assert.True(page.StatusCode == HttpStatusCode.OK, instances.Logs);
        return await new OAuthFlow(http).PostLoginFormAsync(await page.Content.ReadAsStringAsync(), username, password);
    }

    private async Task<string> GetCodeAsync(HttpClient http, string clientId, string username, string password) =>
        OAuthFlow.RedirectParameters(await SignInAsync(http, clientId, username, password))["code"];

    private static Task<HttpResponseMessage> PostTokenAsync(HttpClient http, string clientId, string secret, params (string Name, string Value)[] form) =>
        PostAsync(http, "token", clientId, secret, form);

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string clientId, string secret, params (string Name, string Value)[] form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(form.Select(p => KeyValuePair.Create(p.Name, p.Value))),
        };
        // client_secret_basic (RFC 6749 §2.3.1): both parts form-urlencoded before base64.
        var credentials = Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(secret);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return await http.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> GetResourceAsync(HttpClient http, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "resource");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await http.SendAsync(request);
    }

    private async Task<List<TableEntity>> FamilyRowsAsync(string refreshToken)
    {
        Assert.True(SecretValues.TrySplit(refreshToken, out var family, out _));
        var table = await new OAuthTables(instances.Storage).GetAsync(OAuthTables.Grants);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {family}")))
        {
            rows.Add(row);
        }

        return rows;
    }
}
