using System.Net;

namespace Serverless.IntegrationTests;

/// <summary>
/// One source trying one password across many accounts: failed sign-ins and client authentications are throttled per
/// client address. The server here sits behind one trusted proxy (ForwardedForHops 1), so the address is the
/// X-Forwarded-For entry that proxy appended: the last one, whatever the client wrote before it.
/// </summary>
public sealed class SignInThrottleTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private const int AddressLimit = 4;
    private string _clientId = null!;

    protected override Task<LocalServer> StartServerAsync() => LocalServer.StartAsync(new()
    {
        ["OAuth:AddressLockout:MaxFailures"] = AddressLimit.ToString(),
        ["OAuth:AddressLockout:LockDuration"] = "00:10:00",
        ["OAuth:ForwardedForHops"] = "1",
    });

    protected override async Task SetUpAsync()
    {
        _clientId = (await Server.AddPublicClientAsync(redirectUris: Redirect)).ClientId;
    }

    /// <summary>A browser behind the proxy: whatever it puts in X-Forwarded-For, the proxy appends its address.</summary>
    private OAuthFlow From(string address, string spoofed = "192.0.2.99")
    {
        var flow = new OAuthFlow(Server);
        flow.Http.DefaultRequestHeaders.Add("X-Forwarded-For", spoofed + ", " + address);
        return flow;
    }

    // prompt=login: every attempt types a password, even in a browser signed in by an earlier success.
    private string Query() => OAuthFlow.AuthorizeQuery(
        ("response_type", "code"), ("client_id", _clientId), ("redirect_uri", Redirect), ("scope", "read"),
        ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"), ("prompt", "login"));

    [Fact]
    public async Task OnePasswordAcrossManyAccounts_FromOneAddress_IsThrottled_OnTheSamePage_WhileOtherAddressesSignIn()
    {
        var victim = await Server.AddUserAsync();
        for (var i = 0; i < AddressLimit; i++)
        {
            // A different account each time, and a different left-hand X-Forwarded-For entry: neither helps.
            var user = await Server.AddUserAsync();
            var failed = await From("203.0.113.7", spoofed: "192.0.2." + i).SignInAsync(Query(), user.Username, "Summer2026!");
            // The failure that reaches the limit already says so.
            Assert.Contains(i < AddressLimit - 1 ? "incorrect" : "from your network", await failed.Content.ReadAsStringAsync());
        }

        var throttled = await From("203.0.113.7").SignInAsync(Query(), victim.Username, LocalServer.Password);
        var elsewhere = await From("198.51.100.20").SignInAsync(Query(), victim.Username, LocalServer.Password);

        Assert.Equal(HttpStatusCode.OK, throttled.StatusCode);
        var html = await throttled.Content.ReadAsStringAsync();
        Assert.Contains("Too many failed sign-ins from your network. Try again in 10 minute(s).", html);
        Assert.Contains("<form method=\"post\"", html);
        Assert.Equal(HttpStatusCode.SeeOther, elsewhere.StatusCode);

        Server.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(HttpStatusCode.SeeOther, (await From("203.0.113.7").SignInAsync(Query(), victim.Username, LocalServer.Password)).StatusCode);
    }

    [Fact]
    public async Task ByDefault_XForwardedForIsNotTrusted_SoWritingADifferentAddressEachTimeBuysNothing()
    {
        // No ForwardedForHops: the connection's address counts (in Azure Functions, the one the front end appended).
        await using var server = await LocalServer.StartAsync(new() { ["OAuth:AddressLockout:MaxFailures"] = AddressLimit.ToString() });
        var client = await server.AddPublicClientAsync(redirectUris: Redirect);
        var victim = await server.AddUserAsync();
        string Query() => OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"));
        OAuthFlow Spoofing(string address)
        {
            var flow = new OAuthFlow(server);
            flow.Http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
            return flow;
        }

        for (var i = 0; i < AddressLimit; i++)
        {
            await Spoofing("198.51.100." + i).SignInAsync(Query(), (await server.AddUserAsync()).Username, "Summer2026!");
        }

        var throttled = await Spoofing("198.51.100.200").SignInAsync(Query(), victim.Username, LocalServer.Password);
        Assert.Contains("from your network", await throttled.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WrongSecretsAcrossManyClients_FromOneAddress_Get429WithRetryAfter()
    {
        var flow = From("203.0.113.8");
        for (var i = 0; i < AddressLimit; i++)
        {
            var (client, _) = await Server.AddConfidentialClientAsync();
            await OAuthFlow.AssertOAuthErrorAsync(
                await flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, "guess")), HttpStatusCode.Unauthorized, "invalid_client");
        }

        var (next, secret) = await Server.AddConfidentialClientAsync();
        var throttled = await flow.PostTokenAsync([("grant_type", "client_credentials")], (next.ClientId, secret));

        await OAuthFlow.AssertOAuthErrorAsync(throttled, (HttpStatusCode)429, "invalid_request");
        Assert.Equal(TimeSpan.FromMinutes(10), throttled.Headers.RetryAfter?.Delta);
        await TokenSupport.ReadTokenResponseAsync(await From("198.51.100.21").PostTokenAsync([("grant_type", "client_credentials")], (next.ClientId, secret)));
    }

    [Fact]
    public async Task SuccessesFromAnAddress_GiveBackOnlyTheirOwnAttempt_SoOneWorkingAccountDoesNotResetASpray()
    {
        var own = await Server.AddUserAsync();
        var flow = From("203.0.113.9");
        for (var i = 0; i < AddressLimit - 1; i++)
        {
            await flow.SignInAsync(Query(), (await Server.AddUserAsync()).Username, "Summer2026!");
            Assert.Equal(HttpStatusCode.SeeOther, (await flow.SignInAsync(Query(), own.Username, LocalServer.Password)).StatusCode);
        }

        await flow.SignInAsync(Query(), (await Server.AddUserAsync()).Username, "Summer2026!");
        var throttled = await flow.SignInAsync(Query(), own.Username, LocalServer.Password);

        Assert.Contains("from your network", await throttled.Content.ReadAsStringAsync());
    }
}
