using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Serverless.OAuth.Http;

/// <summary>One route of the HTTP contract (DESIGN.md), at the host root.</summary>
public sealed record OAuthRoute(string Method, string Route, Func<OAuthHttpHandlers, HttpRequest, Task<IResult>> Handler);

/// <summary>The HTTP contract as data: the local host maps it, and the Functions tests check each route has its function.</summary>
public static class OAuthRoutes
{
    public static readonly IReadOnlyList<OAuthRoute> All =
    [
        new("GET", "", (h, r) => h.HomeAsync(r)),
        new("GET", ".well-known/oauth-authorization-server", (h, r) => h.MetadataAsync(r)),
        new("GET", ".well-known/openid-configuration", (h, r) => h.MetadataAsync(r)),
        new("GET", ".well-known/jwks.json", (h, r) => h.JwksAsync(r)),
        new("GET", "authorize", (h, r) => h.AuthorizeGetAsync(r)),
        new("POST", "authorize", (h, r) => h.AuthorizePostAsync(r)),
        new("POST", "token", (h, r) => h.TokenAsync(r)),
        new("POST", "revoke", (h, r) => h.RevokeAsync(r)),
        new("POST", "introspect", (h, r) => h.IntrospectAsync(r)),
        new("GET", "resource", (h, r) => h.ResourceAsync(r)),
        new("GET", "demo", (h, r) => h.DemoPageAsync(r)),
        new("GET", "demo/callback", (h, r) => h.DemoPageAsync(r)),
        new("GET", "demo/app.js", (h, r) => h.DemoScriptAsync(r)),
        new("GET", "demo/app.css", (h, r) => h.DemoStylesheetAsync(r)),
    ];

    public static IEndpointRouteBuilder MapServerlessOAuth(this IEndpointRouteBuilder endpoints)
    {
        foreach (var route in All)
        {
            endpoints.MapMethods("/" + route.Route, [route.Method], async context =>
            {
                var result = await route.Handler(context.RequestServices.GetRequiredService<OAuthHttpHandlers>(), context.Request);
                await result.ExecuteAsync(context);
            });
        }

        return endpoints;
    }
}
