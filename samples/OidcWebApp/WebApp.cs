using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace OidcWebApp;

/// <summary>
/// The sample relying party: cookie authentication for the app's own session, and the stock OpenIdConnect handler
/// for signing in with the server (authorization code with PKCE, response_mode=form_post, its defaults) and signing out
/// through its end_session_endpoint. Settings: Oidc:Authority (the server's issuer) and Oidc:ClientId (a public client
/// registered with redirect URI {app}/signin-oidc and post-logout redirect URI {app}/signout-callback-oidc).
/// </summary>
public static class WebApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var authority = builder.Configuration["Oidc:Authority"] ?? "http://localhost:7071";
        var plainHttp = authority.StartsWith("http://", StringComparison.Ordinal);

        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie()
            .AddOpenIdConnect(options =>
            {
                options.Authority = authority;
                options.ClientId = builder.Configuration["Oidc:ClientId"] ?? "oidc-web-app";
                options.ResponseType = OpenIdConnectResponseType.Code;
                options.UsePkce = true;
                // The default, said aloud: the metadata advertises /par, so the handler pushes its request (RFC 9126)
                // and the browser carries only client_id and a single-use request_uri.
                options.PushedAuthorizationBehavior = PushedAuthorizationBehavior.UseIfAvailable;
                options.Scope.Clear();
                options.Scope.Add("openid");
                options.Scope.Add("profile");
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = "preferred_username";
                options.GetClaimsFromUserInfoEndpoint = true;
                options.ClaimActions.MapUniqueJsonKey("preferred_username", "preferred_username");
                // The ID token is kept for the logout's id_token_hint, so the server signs the user out without asking.
                options.SaveTokens = true;
                // Only a developer's http://localhost server: the metadata must otherwise come over https, and the
                // handler's correlation and nonce cookies (SameSite=None, so Secure) could not be set over http.
                options.RequireHttpsMetadata = !plainHttp;
                if (plainHttp)
                {
                    options.CorrelationCookie.SameSite = SameSiteMode.Lax;
                    options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                    options.NonceCookie.SameSite = SameSiteMode.Lax;
                    options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                }
            });
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/", (HttpContext context) => Results.Content(HomePage(context), "text/html; charset=utf-8"));
        app.MapGet("/signin", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/" }, [OpenIdConnectDefaults.AuthenticationScheme]));
        // Sign-out is a POST (a link could be followed by anyone's page); the antiforgery token is left out to keep the
        // sample small, SameSite=Lax on the app's cookie keeps cross-site posts out.
        app.MapPost("/signout", () => Results.SignOut(
            new AuthenticationProperties { RedirectUri = "/" },
            [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        return app;
    }

    private static string HomePage(HttpContext context)
    {
        var user = context.User.Identity is { IsAuthenticated: true } identity ? identity.Name ?? "(no name)" : null;
        var body = user is null
            ? "<p id=\"status\">You are signed out.</p>\n<p><a href=\"/signin\">Sign in</a></p>"
            : $"<p id=\"status\">Signed in as <strong>{WebUtility.HtmlEncode(user)}</strong>.</p>\n" +
              "<form method=\"post\" action=\"/signout\"><button type=\"submit\">Sign out</button></form>";
        return $"<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>OIDC web app</title></head>\n<body>\n<main>\n<h1>OIDC web app</h1>\n{body}\n</main>\n</body>\n</html>\n";
    }
}
