using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serverless.OAuth.Http;

namespace Serverless.Demo;

/// <summary>The demo's routes (the demo client and the demo protected resource) and its services.</summary>
public static class DemoRoutes
{
    public static readonly IReadOnlyList<OAuthRoute> All =
    [
        OAuthRoute.To<DemoHttpHandlers>("GET", "resource", (h, r) => h.ResourceAsync(r)),
        OAuthRoute.To<DemoHttpHandlers>("GET", ResourceEndpoint.MetadataRoute, (h, r) => h.ResourceMetadataAsync(r)),
        OAuthRoute.To<DemoHttpHandlers>("GET", "demo", (h, r) => h.PageAsync(r)),
        OAuthRoute.To<DemoHttpHandlers>("GET", "demo/callback", (h, r) => h.PageAsync(r)),
        OAuthRoute.To<DemoHttpHandlers>("GET", "demo/app.js", (h, r) => h.ScriptAsync(r)),
        OAuthRoute.To<DemoHttpHandlers>("GET", "demo/app.css", (h, r) => h.StylesheetAsync(r)),
    ];

    /// <summary>The demo's services, after <see cref="ServiceCollectionExtensions.AddServerlessOAuth"/>.</summary>
    public static IServiceCollection AddServerlessDemo(this IServiceCollection services)
    {
        services.TryAddSingleton<ResourceEndpoint>();
        services.TryAddSingleton<DemoHttpHandlers>();

        // Does nothing unless OAuth:SeedDemoData is set and the environment is Development; built when started, so that
        // its stores are not made before the host's first hosted service starts.
        services.AddDeferredHostedService<DemoDataSeeder>();
        return services;
    }

    public static IEndpointRouteBuilder MapServerlessDemo(this IEndpointRouteBuilder endpoints) => endpoints.MapRoutes(All);
}
