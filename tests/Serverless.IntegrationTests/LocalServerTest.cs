namespace Serverless.IntegrationTests;

/// <summary>
/// The set-up a local-host test class shares: the local host on Azurite (its own tables), started for each test as
/// xUnit makes a new instance per test, an <see cref="OAuthFlow"/> speaking to it, and its disposal. A class names
/// its settings by overriding <see cref="StartServerAsync"/> and seeds what its tests need in <see cref="SetUpAsync"/>.
/// What the server needs first (its own Azurite, a site it fetches from) is started in <see cref="StartServerAsync"/>
/// too, and disposed in an override of <see cref="DisposeAsync"/> after the base's, so the server goes first.
/// Classes that run on both hosts use the class fixtures in BothHosts/ (<see cref="BothHosts.ServerFixture"/>) instead.
/// </summary>
public abstract class LocalServerTest : IAsyncLifetime
{
    protected LocalServer Server { get; private set; } = null!;

    protected OAuthFlow Flow { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await StartServerAsync();
        Flow = new OAuthFlow(Server);
        await SetUpAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    /// <summary>The server with the class's settings; the defaults unless overridden.</summary>
    protected virtual Task<LocalServer> StartServerAsync() => LocalServer.StartAsync();

    /// <summary>Clients, users and APIs the class's tests share, made once the server is up.</summary>
    protected virtual Task SetUpAsync() => Task.CompletedTask;
}
