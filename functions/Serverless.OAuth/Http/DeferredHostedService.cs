using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Serverless.OAuth.Http;

/// <summary>
/// A hosted service built when the host starts it, not when the host collects its hosted services. The host builds
/// every hosted service before it starts the first one, so a service whose constructor needs the stores (the storage
/// clients, their HTTP pipeline) would delay the first one: in the Functions worker that is the worker's own, whose
/// gRPC stream to the host is the start of everything else. Built here, the service's dependencies are made after the
/// worker has called its host and its HTTP listener is up.
/// </summary>
public sealed class DeferredHostedService<TService>(IServiceProvider services) : IHostedService
    where TService : class, IHostedService
{
    private TService? _service;

    public Task StartAsync(CancellationToken cancellationToken) => (_service = services.GetRequiredService<TService>()).StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _service?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}

public static class DeferredHostedServiceExtensions
{
    /// <summary>Adds <typeparamref name="TService"/> as a hosted service built when it is started (<see cref="DeferredHostedService{TService}"/>).</summary>
    public static IServiceCollection AddDeferredHostedService<TService>(this IServiceCollection services)
        where TService : class, IHostedService
    {
        services.TryAddSingleton<TService>();
        services.AddHostedService<DeferredHostedService<TService>>();
        return services;
    }
}
