using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Endpoints;

namespace Serverless.OAuth.Http;

/// <summary>One route of the HTTP contract, at the host root.</summary>
public sealed record OAuthRoute(string Method, string Route, Func<HttpRequest, Task<IResult>> Handler)
{
    /// <summary>A route answered by a method of <typeparamref name="THandlers"/>, taken from the request's services.</summary>
    public static OAuthRoute To<THandlers>(string method, string route, Func<THandlers, HttpRequest, Task<IResult>> handler)
        where THandlers : notnull =>
        new(method, route, request => handler(request.HttpContext.RequestServices.GetRequiredService<THandlers>(), request));

    /// <summary>A route answered by an endpoint's adapter, run by the <see cref="EndpointRunner"/> (failures, counting, HTTP).</summary>
    public static OAuthRoute ToEndpoint<TEndpoint>(string method, string route, Func<TEndpoint, HttpRequest, Task<EndpointResult>> handle)
        where TEndpoint : notnull =>
        new(method, route, request =>
        {
            var services = request.HttpContext.RequestServices;
            return services.GetRequiredService<EndpointRunner>().RunAsync(request, services.GetRequiredService<TEndpoint>(), handle);
        });
}

/// <summary>
/// The server's part of the HTTP contract as data (the demo's part is Serverless.Demo's DemoRoutes): the local host
/// maps it, and the Functions tests check each route has its function. Each route names its endpoint's adapter, which
/// reads the request and returns the endpoint's result.
/// </summary>
public static class OAuthRoutes
{
    public static readonly IReadOnlyList<OAuthRoute> All =
    [
        OAuthRoute.ToEndpoint<HomeHttpEndpoint>("GET", "", static (e, r) => e.GetAsync(r)),
        OAuthRoute.ToEndpoint<MetadataHttpEndpoint>("GET", ".well-known/oauth-authorization-server", static (e, r) => e.AuthorizationServerAsync(r)),
        OAuthRoute.ToEndpoint<MetadataHttpEndpoint>("GET", ".well-known/openid-configuration", static (e, r) => e.OpenIdConfigurationAsync(r)),
        OAuthRoute.ToEndpoint<MetadataHttpEndpoint>("GET", ".well-known/jwks.json", static (e, r) => e.JwksAsync(r)),
        OAuthRoute.ToEndpoint<AuthorizeHttpEndpoint>("GET", "authorize", static (e, r) => e.GetAsync(r)),
        OAuthRoute.ToEndpoint<AuthorizeHttpEndpoint>("POST", "authorize", static (e, r) => e.PostAsync(r)),
        OAuthRoute.ToEndpoint<AccountHttpEndpoint>("GET", "account", static (e, r) => e.GetAsync(r)),
        OAuthRoute.ToEndpoint<AccountHttpEndpoint>("POST", "account", static (e, r) => e.PostAsync(r)),
        OAuthRoute.ToEndpoint<EndSessionHttpEndpoint>("GET", "endsession", static (e, r) => e.GetAsync(r)),
        OAuthRoute.ToEndpoint<EndSessionHttpEndpoint>("POST", "endsession", static (e, r) => e.PostAsync(r)),
        OAuthRoute.ToEndpoint<UpstreamCallbackHttpEndpoint>("GET", "signin/{provider}/callback", static (e, r) => e.GetAsync(r)),
        OAuthRoute.ToEndpoint<TokenHttpEndpoint>("POST", "token", static (e, r) => e.HandleAsync(r)),
        OAuthRoute.ToEndpoint<PushedAuthorizationHttpEndpoint>("POST", "par", static (e, r) => e.HandleAsync(r)),
        OAuthRoute.ToEndpoint<RevocationHttpEndpoint>("POST", "revoke", static (e, r) => e.HandleAsync(r)),
        OAuthRoute.ToEndpoint<IntrospectionHttpEndpoint>("POST", "introspect", static (e, r) => e.HandleAsync(r)),
        OAuthRoute.ToEndpoint<UserInfoHttpEndpoint>("GET", "userinfo", static (e, r) => e.HandleAsync(r)),
        OAuthRoute.ToEndpoint<UserInfoHttpEndpoint>("POST", "userinfo", static (e, r) => e.HandleAsync(r)),
        OAuthRoute.ToEndpoint<RegistrationHttpEndpoint>("POST", "register", static (e, r) => e.HandleAsync(r)),
        OAuthRoute.ToEndpoint<DeviceAuthorizationHttpEndpoint>("POST", "device_authorization", static (e, r) => e.HandleAsync(r)),
        OAuthRoute.ToEndpoint<DeviceHttpEndpoint>("GET", "device", static (e, r) => e.GetAsync(r)),
        OAuthRoute.ToEndpoint<DeviceHttpEndpoint>("POST", "device", static (e, r) => e.PostAsync(r)),
    ];

    public static IEndpointRouteBuilder MapServerlessOAuth(this IEndpointRouteBuilder endpoints) => endpoints.MapRoutes(All);

    /// <summary>Maps each route at the host root, to its method only.</summary>
    public static IEndpointRouteBuilder MapRoutes(this IEndpointRouteBuilder endpoints, IEnumerable<OAuthRoute> routes)
    {
        foreach (var route in routes)
        {
            endpoints.MapMethods("/" + route.Route, [route.Method], async context => await (await route.Handler(context.Request)).ExecuteAsync(context));
        }

        return endpoints;
    }
}
