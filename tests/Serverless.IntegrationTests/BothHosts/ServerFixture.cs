namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// One server for a test class (a class fixture): the local host in this process, or the Functions app's worker
/// behind the host emulator. The same test classes run against both (see <see cref="HttpContractTests{TFixture}"/>).
/// </summary>
public abstract class ServerFixture(Func<Task<IOAuthTestServer>> start) : IAsyncLifetime
{
    public IOAuthTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await start();

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

public sealed class LocalHostFixture() : ServerFixture(async () => await LocalServer.StartAsync(clock: ManualClock.Running()));

public sealed class FunctionsWorkerFixture() : ServerFixture(async () => await FunctionsWorkerServer.StartAsync());

/// <summary>Access tokens that live one second, so a test sees one expire after moving either host's clock a little.</summary>
public static class ShortLivedTokens
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    public static Dictionary<string, string?> Settings => new() { ["OAuth:AccessTokenLifetime"] = Lifetime.ToString() };
}

public sealed class ShortLivedTokensLocalHostFixture()
    : ServerFixture(async () => await LocalServer.StartAsync(ShortLivedTokens.Settings, clock: ManualClock.Running()));

public sealed class ShortLivedTokensFunctionsWorkerFixture()
    : ServerFixture(async () => await FunctionsWorkerServer.StartAsync(ShortLivedTokens.Settings));
