using System.Net;

namespace Serverless.IntegrationTests;

/// <summary>Repeated failed sign-ins and client authentications lock the account for a bounded time, across instances.</summary>
public sealed class BruteForceTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private string _clientId = null!;

    protected override Task<LocalServer> StartServerAsync() => LocalServer.StartAsync(new()
    {
        ["OAuth:Lockout:MaxFailures"] = "3",
        ["OAuth:Lockout:LockDuration"] = "00:05:00",
        ["OAuth:Lockout:MaxLockDuration"] = "00:20:00",
    });

    protected override async Task SetUpAsync()
    {
        _clientId = (await Server.AddPublicClientAsync(redirectUris: Redirect)).ClientId;
    }

    private string AuthorizeUrl() => OAuthFlow.AuthorizeQuery(
        ("response_type", "code"), ("client_id", _clientId), ("redirect_uri", Redirect), ("scope", "read"),
        ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"));

    private async Task<HttpResponseMessage> SignInAsync(string username, string password) =>
        await Flow.SignInAsync(AuthorizeUrl(), username, password);

    [Fact]
    public async Task RepeatedWrongPasswords_LockTheUser_EvenForTheRightPassword_ThenTheLockEnds()
    {
        var user = await Server.AddUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await SignInAsync(user.Username, "wrong");
        }

        var locked = await SignInAsync(user.Username, LocalServer.Password);
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Contains("Too many failed sign-ins", await locked.Content.ReadAsStringAsync());

        Server.Clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(HttpStatusCode.SeeOther, (await SignInAsync(user.Username, LocalServer.Password)).StatusCode);
    }

    [Fact]
    public async Task AttemptsDuringALock_DoNotExtendIt_SoNoOneIsLockedOutForever()
    {
        var user = await Server.AddUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await SignInAsync(user.Username, "wrong");
        }

        for (var i = 0; i < 10; i++)
        {
            Server.Clock.Advance(TimeSpan.FromSeconds(25));
            await SignInAsync(user.Username, "wrong");
        }

        Server.Clock.Advance(TimeSpan.FromSeconds(60)); // 5 min 10 s after the lock began
        Assert.Equal(HttpStatusCode.SeeOther, (await SignInAsync(user.Username, LocalServer.Password)).StatusCode);
    }

    [Fact]
    public async Task ConsecutiveLocks_GrowButAreCapped()
    {
        var user = await Server.AddUserAsync();
        var durations = new List<string>();
        for (var round = 0; round < 4; round++)
        {
            HttpResponseMessage last = null!;
            for (var i = 0; i < 3; i++)
            {
                last = await SignInAsync(user.Username, "wrong");
            }

            var html = await last.Content.ReadAsStringAsync();
            durations.Add(System.Text.RegularExpressions.Regex.Match(html, "Try again in (\\d+) minute").Groups[1].Value);
            Server.Clock.Advance(TimeSpan.FromMinutes(21));
        }

        Assert.Equal(["5", "10", "20", "20"], durations);
    }

    [Fact]
    public async Task ALockHoldsOnAnotherInstance_SharingTheStorage()
    {
        var user = await Server.AddUserAsync();
        for (var i = 0; i < 3; i++)
        {
            await SignInAsync(user.Username, "wrong");
        }

        await using var other = await LocalServer.StartAsync(
            new() { ["OAuth:Lockout:MaxFailures"] = "3" },
            tablePrefix: Server.Get<Serverless.OAuth.Infrastructure.Options.OAuthServerOptions>().Storage.TablePrefix);
        await other.AddPublicClientAsync(_clientId + "-2", redirectUris: Redirect);
        var flow = new OAuthFlow(other);
        var response = await flow.SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", _clientId + "-2"), ("redirect_uri", Redirect), ("scope", "read"),
                ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")),
            user.Username,
            LocalServer.Password);

        Assert.Contains("Too many failed sign-ins", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RepeatedBadClientSecrets_DoNotLockTheClient_ForAFreshInstance_EitherItsSecretIs256RandomBits()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        for (var i = 0; i < 5; i++)
        {
            await OAuthFlow.AssertOAuthErrorAsync(
                await Flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, "wrong")), HttpStatusCode.Unauthorized, "invalid_client");
        }

        // A fresh instance has no memory of the secret: it checks it, and the client is not locked out by a stranger.
        await using var other = await LocalServer.StartAsync(tablePrefix: Server.Get<Serverless.OAuth.Infrastructure.Options.OAuthServerOptions>().Storage.TablePrefix);
        await TokenSupport.ReadTokenResponseAsync(await new OAuthFlow(other).PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret)));
    }
}
