using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.OAuth.Http;

/// <summary>One route of the HTTP contract, at the host root.</summary>
public sealed record OAuthRoute(string Method, string Route, Func<HttpRequest, Task<IResult>> Handler)
{
    /// <summary>A route answered by a method of <typeparamref name="THandlers"/>, taken from the request's services.</summary>
    public static OAuthRoute To<THandlers>(string method, string route, Func<THandlers, HttpRequest, Task<IResult>> handler)
        where THandlers : notnull =>
        new(method, route, request => handler(request.HttpContext.RequestServices.GetRequiredService<THandlers>(), request));
}

/// <summary>
/// The server's part of the HTTP contract as data (the demo's part is Serverless.Demo's DemoRoutes): the local host
/// maps it, and the Functions tests check each route has its function.
/// </summary>
public static class OAuthRoutes
{
    public static readonly IReadOnlyList<OAuthRoute> All =
    [
        Route("GET", "", (h, r) => h.HomeAsync(r)),
        Route("GET", ".well-known/oauth-authorization-server", (h, r) => h.MetadataAsync(r)),
        Route("GET", ".well-known/openid-configuration", (h, r) => h.OpenIdConfigurationAsync(r)),
        Route("GET", ".well-known/jwks.json", (h, r) => h.JwksAsync(r)),
        Route("GET", "authorize", (h, r) => h.AuthorizeGetAsync(r)),
        Route("POST", "authorize", (h, r) => h.AuthorizePostAsync(r)),
        Route("GET", "account", (h, r) => h.AccountGetAsync(r)),
        Route("POST", "account", (h, r) => h.AccountPostAsync(r)),
        Route("GET", "endsession", (h, r) => h.EndSessionGetAsync(r)),
        Route("POST", "endsession", (h, r) => h.EndSessionPostAsync(r)),
        Route("GET", "signin/{provider}/callback", (h, r) => h.UpstreamCallbackAsync(r)),
        Route("POST", "token", (h, r) => h.TokenAsync(r)),
        Route("POST", "revoke", (h, r) => h.RevokeAsync(r)),
        Route("POST", "introspect", (h, r) => h.IntrospectAsync(r)),
        Route("GET", "userinfo", (h, r) => h.UserInfoAsync(r)),
        Route("POST", "userinfo", (h, r) => h.UserInfoAsync(r)),
        Route("POST", "register", (h, r) => h.RegisterAsync(r)),
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

    private static OAuthRoute Route(string method, string route, Func<OAuthHttpHandlers, HttpRequest, Task<IResult>> handler) =>
        OAuthRoute.To(method, route, handler);
}
