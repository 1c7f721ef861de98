using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.AspNetCore.Authentication;

namespace Samples.McpServer;

/// <summary>
/// A remote MCP server whose tools need an access token from the authorization server, issued for this server's own
/// audience: the API registered with this server's URL as its identifier. Unauthenticated requests get a 401 whose
/// WWW-Authenticate names the RFC 9728 metadata (resource_metadata), which tells an MCP client where to sign in.
/// </summary>
public static class McpServerApp
{
    /// <summary>The MCP endpoint's path; the server's resource identifier is its base URL followed by it.</summary>
    public const string Path = "/mcp";

    /// <summary>The scope the tools need, registered with the API (<c>Mcp:Scope</c> names another).</summary>
    public const string ToolsScope = "mcp:tools";

    /// <summary>
    /// Settings: <c>Mcp:Authority</c> (the authorization server's issuer) and <c>Mcp:Resource</c> (this server's
    /// resource identifier: the URL clients connect to, ending in <see cref="Path"/>, or its origin when the server is
    /// the only thing at that origin).
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        var authority = builder.Configuration["Mcp:Authority"] ?? "http://localhost:7071";
        var resource = builder.Configuration["Mcp:Resource"] ?? "http://localhost:5080" + Path;
        var toolsScope = builder.Configuration["Mcp:Scope"] ?? ToolsScope;

        builder.Services.AddAuthentication(options =>
            {
                options.DefaultAuthenticateScheme = JwtBearerDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
            })
            .AddJwtBearer(options =>
            {
                // The authorization server's discovery document and keys; only a local one may be reached over http.
                options.Authority = authority;
                options.RequireHttpsMetadata = new Uri(authority).Scheme == Uri.UriSchemeHttps;
                options.MapInboundClaims = false;
                // Tokens for this server only (RFC 8707: its identifier is their audience), never one for another API.
                options.TokenValidationParameters.ValidAudience = resource;
                options.TokenValidationParameters.ValidIssuer = authority;
                options.TokenValidationParameters.ValidTypes = ["at+jwt"];
                options.TokenValidationParameters.ClockSkew = TimeSpan.FromSeconds(5);
            })
            .AddMcp(options =>
            {
                // RFC 9728: what this resource is, who issues its tokens, and which scopes it knows.
                options.ResourceMetadata = new()
                {
                    Resource = resource,
                    AuthorizationServers = [authority],
                    ScopesSupported = [toolsScope],
                };
            });
        // Token lifetimes are checked on the app's clock (a test may put its own in the services first).
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TimeProvider>((options, clock) => options.TokenValidationParameters.LifetimeValidator = (notBefore, expires, _, parameters) =>
            {
                var now = clock.GetUtcNow().UtcDateTime;
                return expires > now - parameters.ClockSkew && !(notBefore > now + parameters.ClockSkew);
            });
        builder.Services.AddAuthorization();
        builder.Services.AddMcpServer()
            .WithHttpTransport(options => options.Stateless = true)
            .WithTools<WhoAmITool>();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMcp(Path).RequireAuthorization(policy => policy.RequireAuthenticatedUser().RequireAssertion(
            context => context.User.FindFirst("scope")?.Value.Split(' ').Contains(toolsScope) == true));
        return app;
    }
}
