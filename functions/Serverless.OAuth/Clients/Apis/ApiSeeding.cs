using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Clients.Apis;

/// <summary>
/// Writes the seed APIs (<see cref="ApiSeed"/>) at start-up, beside it rather than before it: the host's start (the
/// Functions worker's first answer to its host, the first request) does not wait for the table creation and the
/// registry's round trips, which on a cold instance took longer than the rest of the start-up. Not waiting is safe:
/// the registry is read through <see cref="IApiStore.GetCatalogAsync"/>, which seeds what is missing itself (the first
/// request that reads it shares the table creation already under way), and seeding twice is harmless (add, not
/// upsert). Storage that cannot be reached is no reason not to start either: the first request seeds instead.
/// </summary>
public sealed class ApiSeeding(IApiStore apis, IEnumerable<ApiSeed> seeds, ILogger<ApiSeeding> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _seeding = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (seeds.Any())
        {
            _seeding = Task.Run(() => SeedAsync(_stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _seeding.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await apis.GetCatalogAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host stopped first.
        }
        catch (Exception e) when (e is DependencyUnavailableException or Azure.RequestFailedException)
        {
            logger.LogWarning(EventIds.ApiSeedingDeferred, "Could not seed the API registry at start-up ({ExceptionType}); the first request will.", e.GetType().Name);
        }
    }
}
