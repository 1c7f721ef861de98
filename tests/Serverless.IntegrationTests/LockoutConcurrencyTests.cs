using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Identity.Users;

namespace Serverless.IntegrationTests;

/// <summary>
/// Guesses sent at the same time, against Azurite: however the requests interleave, on one instance or two sharing
/// the tables, no more passwords or secrets are checked per window than the lockout allows. The checks are counted by
/// decorators of the user store and the secret verifier registered in each server's services.
/// </summary>
public sealed class LockoutConcurrencyTests
{
    private const int MaxFailures = 5;
    private const string Redirect = "http://127.0.0.1:9/callback";

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["OAuth:Lockout:MaxFailures"] = MaxFailures.ToString(),
        // The per-address throttle is the subject of SignInThrottleTests; here every guess comes from 127.0.0.1.
        ["OAuth:AddressLockout:MaxFailures"] = "100000",
    };

    /// <summary>The real store, counting the password checks that reach it.</summary>
    private sealed class CountingUserStore(UserStore inner) : IUserStore
    {
        public int Checks;

        public OAuthUser? VerifyPassword(OAuthUser? user, string password)
        {
            Interlocked.Increment(ref Checks);
            return inner.VerifyPassword(user, password);
        }

        public Task<OAuthUser?> FindAsync(string username, CancellationToken cancellationToken = default) => inner.FindAsync(username, cancellationToken);

        public Task<IReadOnlyList<OAuthUser>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);

        public Task<bool> AddAsync(OAuthUser user, CancellationToken cancellationToken = default) => inner.AddAsync(user, cancellationToken);

        public Task<bool> RemoveAsync(string username, CancellationToken cancellationToken = default) => inner.RemoveAsync(username, cancellationToken);

        public Task<OAuthUser?> FindBySubjectAsync(string subject, CancellationToken cancellationToken = default) =>
            inner.FindBySubjectAsync(subject, cancellationToken);

        public Task<bool> SetProfileAsync(
            string username, string? name, string? email, bool? emailVerified, DateTimeOffset updatedAt, CancellationToken cancellationToken = default) =>
            inner.SetProfileAsync(username, name, email, emailVerified, updatedAt, cancellationToken);
    }

    private sealed class CountingSecretVerifier(OAuthServerOptions options, TimeProvider clock) : ClientSecretVerifier(options, clock)
    {
        public int Checks;

        public override bool Verify(OAuthClient client, string presentedSecret)
        {
            Interlocked.Increment(ref Checks);
            return base.Verify(client, presentedSecret);
        }
    }

    private static Task<LocalServer> StartAsync(string? tablePrefix = null, Dictionary<string, string?>? settings = null) => LocalServer.StartAsync(
        settings ?? Settings,
        tablePrefix: tablePrefix,
        services: services =>
        {
            services.AddSingleton<IUserStore>(sp => new CountingUserStore(new UserStore(sp.GetRequiredService<OAuthTables>())));
            services.AddSingleton<ClientSecretVerifier>(sp => new CountingSecretVerifier(sp.GetRequiredService<OAuthServerOptions>(), sp.GetRequiredService<TimeProvider>()));
        });

    private static int PasswordChecks(LocalServer server) => ((CountingUserStore)server.Get<IUserStore>()).Checks;

    private static int SecretChecks(LocalServer server) => ((CountingSecretVerifier)server.Get<ClientSecretVerifier>()).Checks;

    /// <summary>Opens the login page once per guess (each with its own CSRF cookie), then posts all of them at once.</summary>
    private static async Task<HttpResponseMessage[]> GuessAtOnceAsync(LocalServer server, string clientId, string username, int guesses)
    {
        var flows = Enumerable.Range(0, guesses).Select(_ => new OAuthFlow(server)).ToArray();
        var pages = await Task.WhenAll(flows.Select(async flow =>
        {
            var page = await flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
                ("response_type", "code"), ("client_id", clientId), ("redirect_uri", Redirect), ("scope", "read"),
                ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));
            return await page.Content.ReadAsStringAsync();
        }));
        return await Task.WhenAll(flows.Select((flow, i) => flow.PostLoginFormAsync(pages[i], username, "wrong-" + i)));
    }

    [Fact]
    public async Task FortyWrongPasswordsAtOnce_GetAtMostMaxFailuresChecks_AndTheAccountIsLocked()
    {
        await using var server = await StartAsync();
        var client = await server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await server.AddUserAsync();

        var responses = await GuessAtOnceAsync(server, client.ClientId, user.Username, 40);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(MaxFailures, PasswordChecks(server));
        var locked = await new OAuthFlow(server).SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
                ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")),
            user.Username,
            LocalServer.Password);
        Assert.Contains("Too many failed sign-ins", await locked.Content.ReadAsStringAsync());
        Assert.Equal(MaxFailures, PasswordChecks(server)); // the right password was not checked either
    }

    [Fact]
    public async Task WrongPasswordsAtOnce_OnTwoInstancesSharingTheTables_GetAtMostMaxFailuresChecksTogether()
    {
        await using var first = await StartAsync();
        await using var second = await StartAsync(first.Get<OAuthServerOptions>().Storage.TablePrefix);
        var client = await first.AddPublicClientAsync(redirectUris: Redirect);
        var user = await first.AddUserAsync();

        await Task.WhenAll(
            GuessAtOnceAsync(first, client.ClientId, user.Username, 20),
            GuessAtOnceAsync(second, client.ClientId, user.Username, 20));

        var checks = PasswordChecks(first) + PasswordChecks(second);
        Assert.Equal(MaxFailures, checks);
    }

    [Fact]
    public async Task ThirtyWrongSecretsAtOnce_FromOneAddress_GetAtMostTheAddressAllowanceOfChecks()
    {
        await using var server = await StartAsync(settings: new() { ["OAuth:AddressLockout:MaxFailures"] = MaxFailures.ToString() });
        var (client, _) = await server.AddConfidentialClientAsync();
        var flow = new OAuthFlow(server);

        var responses = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, "wrong-" + i))));

        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Unauthorized, (HttpStatusCode)429 }));
        Assert.Equal(MaxFailures, SecretChecks(server));
    }

    [Fact]
    public async Task WhenTheVerifiedSecretFallsOutOfMemory_ABurstOfTheRightSecret_AllGetTokens_AndPbkdf2RunsAboutOnce()
    {
        await using var server = await StartAsync();
        var (client, secret) = await server.AddConfidentialClientAsync();
        var flow = new OAuthFlow(server);
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret)));
        var before = SecretChecks(server);

        server.Clock.Advance(server.Get<OAuthServerOptions>().ClientCacheLifetime + TimeSpan.FromSeconds(1));
        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ =>
            flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.InRange(SecretChecks(server) - before, 1, 4); // one run per burst, give or take requests that came late
    }

    [Fact]
    public async Task ChecksInFlight_AreNoFailures_AnotherCheckWaitsForThem_AndRunsWhenTheySucceed()
    {
        await using var server = await StartAsync();
        var lockout = server.Get<ILockout>();
        var keys = new[] { LockoutKey.ForUser("in-flight-" + Guid.NewGuid().ToString("N")) };
        var gate = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;

        // The allowance, held by checks that have not answered yet.
        var inFlight = Enumerable.Range(0, MaxFailures).Select(_ => lockout.AttemptAsync(keys, async _ =>
        {
            Interlocked.Increment(ref started);
            return await gate.Task;
        }, default)).ToArray();
        while (Volatile.Read(ref started) < MaxFailures)
        {
            await Task.Delay(10);
        }

        var waiting = lockout.AttemptAsync(keys, _ => Task.FromResult<string?>("ok"), default);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted); // neither refused nor run while the others are in flight

        gate.SetResult("ok");
        var attempt = await waiting;
        Assert.Equal("ok", attempt.Value);
        Assert.All(await Task.WhenAll(inFlight), a => Assert.Equal("ok", a.Value));
    }

    [Fact]
    public async Task ALeaseNeverSettled_AsByAnInstanceThatStopped_EndsAfterTheLeaseDuration()
    {
        await using var server = await StartAsync();
        var lockout = server.Get<ILockout>();
        var keys = new[] { LockoutKey.ForUser("abandoned-" + Guid.NewGuid().ToString("N")) };
        var never = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var abandoned = Enumerable.Range(0, MaxFailures).Select(_ => lockout.AttemptAsync(keys, async _ =>
        {
            Interlocked.Increment(ref started);
            return await never.Task;
        }, default)).ToArray();
        while (Volatile.Read(ref started) < MaxFailures)
        {
            await Task.Delay(10);
        }

        server.Clock.Advance(FailedAttemptLockout.LeaseDuration + TimeSpan.FromSeconds(1));
        var attempt = await lockout.AttemptAsync(keys, _ => Task.FromResult<string?>("ok"), default);

        Assert.Equal("ok", attempt.Value);
        never.SetResult(null); // the stopped instance's checks, settled at last: failures, not locks of the waiting one
        await Task.WhenAll(abandoned);
    }

    [Fact]
    public async Task ASuccess_ReleasesItsReservation_SoEarlierTyposDoNotAddUpWithLaterOnes()
    {
        await using var server = await StartAsync();
        var client = await server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await server.AddUserAsync();
        var flow = new OAuthFlow(server);
        // prompt=login: every round types the password, although the first success signed the browser in.
        string Query() => OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
            ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"), ("prompt", "login"));

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < MaxFailures - 1; i++)
            {
                Assert.Contains("incorrect", await (await flow.SignInAsync(Query(), user.Username, "typo")).Content.ReadAsStringAsync());
            }

            Assert.Equal(HttpStatusCode.SeeOther, (await flow.SignInAsync(Query(), user.Username, LocalServer.Password)).StatusCode);
        }
    }
}
