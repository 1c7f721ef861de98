using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Serverless.Demo;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>
/// The worker does before its first request only what that request needs: the host builds every hosted service before
/// it starts the first (the worker's own, which calls the Functions host), and starts them one after another.
/// </summary>
public sealed class StartupWorkTests
{
    /// <summary>
    /// The integration's Data Protection reads its key ring at start, and on a fresh instance creates and writes a key;
    /// the app never protects data with it, so the worker serves without having made a key.
    /// </summary>
    [Fact]
    public async Task TheWorker_ServesWithoutMakingADataProtectionKey()
    {
        var home = Directory.CreateTempSubdirectory("worker-home-");
        try
        {
            await using (var server = await FunctionsWorkerServer.StartAsync(new() { ["HOME"] = home.FullName }))
            {
                using var http = new HttpClient { BaseAddress = server.BaseAddress };
                using var discovery = await http.GetAsync(".well-known/openid-configuration");
                Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
            }

            // (Its key directory may be made when its services are built; no key is.)
            Assert.Empty(home.EnumerateFiles("*", SearchOption.AllDirectories).Select(f => f.FullName));
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    /// <summary>The server's hosted services (API seeding, demo data) make no storage client until they are started.</summary>
    [Fact]
    public async Task TheServersHostedServices_MakeNoStorageClient_UntilStarted()
    {
        var made = 0;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = "Production", ApplicationName = "test", ContentRootPath = AppContext.BaseDirectory });
        services.AddSingleton(_ =>
        {
            made++;
            return new OAuthTables(new StorageOptions { ConnectionString = "UseDevelopmentStorage=true" });
        });
        services.AddServerlessOAuth(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = "http://127.0.0.1:1",
            ["OAuth:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
        }).Build());
        services.AddServerlessDemo();
        await using var provider = services.BuildServiceProvider();

        var hosted = provider.GetServices<IHostedService>().ToList();

        Assert.Equal(2, hosted.Count);
        Assert.Equal(0, made);
    }
}
