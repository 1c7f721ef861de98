using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Clients.Apis;

/// <summary>
/// Writes the seed APIs (<see cref="ApiSeed"/>) at start-up, so that they are in the registry before the first
/// request. Storage that cannot be reached then is no reason not to start: the first request that reads the registry
/// seeds it instead (as the admin tool's first read does).
/// </summary>
public sealed class ApiSeeding(IApiStore apis, IEnumerable<ApiSeed> seeds, ILogger<ApiSeeding> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!seeds.Any())
        {
            return;
        }

        try
        {
            await apis.GetCatalogAsync(cancellationToken);
        }
        catch (Exception e) when (e is DependencyUnavailableException or Azure.RequestFailedException)
        {
            logger.LogWarning(EventIds.ApiSeedingDeferred, "Could not seed the API registry at start-up ({ExceptionType}); the first request will.", e.GetType().Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
