using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Serverless.Demo;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.Testing;

/// <summary>
/// The services the Functions app gets from Program.cs (AddServerlessOAuth, AddServerlessDemo), built for one test: Azurite storage with
/// the test's own table prefix, a signing key in a temporary folder, and a clock the test moves.
/// </summary>
public sealed class OAuthTestServices : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 12, 0, 10, TimeSpan.Zero);

    private readonly string _folder;

    private OAuthTestServices(ServiceProvider provider, ManualClock clock, StorageOptions storage, string folder)
    {
        Provider = provider;
        Clock = clock;
        Storage = storage;
        _folder = folder;
    }

    public ServiceProvider Provider { get; }

    public ManualClock Clock { get; }

    public StorageOptions Storage { get; }

    public static async Task<OAuthTestServices> CreateAsync()
    {
        var azurite = await AzuriteServer.Shared;
        var storage = azurite.NewStorage();
        var folder = Path.Combine(Path.GetTempPath(), "functions-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["OAuth:Issuer"] = "http://localhost:7071",
                ["OAuth:Storage:ConnectionString"] = storage.ConnectionString,
                ["OAuth:Storage:TablePrefix"] = storage.TablePrefix,
                ["OAuth:Signing:Mode"] = "Local",
                ["OAuth:Signing:Algorithm"] = "ES256",
                ["OAuth:Signing:LocalKeyPath"] = Path.Combine(folder, "signing-keys.json"),
            })
            .Build();

        var clock = new ManualClock(Start);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment
        {
            EnvironmentName = Environments.Development,
            ApplicationName = "Serverless.Functions",
            ContentRootPath = folder,
        });
        services.AddSingleton<TimeProvider>(clock);
        services.AddServerlessOAuth(configuration);
        services.AddServerlessDemo();
        return new OAuthTestServices(services.BuildServiceProvider(validateScopes: true), clock, storage, folder);
    }

    public T Get<T>()
        where T : notnull => Provider.GetRequiredService<T>();

    /// <summary>A function class as the worker makes it: constructed from the app's services.</summary>
    public object CreateFunction(Type functionClass) => ActivatorUtilities.CreateInstance(Provider, functionClass);

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
