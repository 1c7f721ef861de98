using Serverless.OAuth.Http;

namespace Serverless.Local;

/// <summary>The local host: the same routes as the Functions app, at the root, on http://localhost:7071 by default.</summary>
public static class LocalHost
{
    public const string DefaultUrl = "http://localhost:7071";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // OAuth requests are small; refuse large bodies and header blocks before any code runs.
            kestrel.Limits.MaxRequestBodySize = OAuthHttpHandlers.MaxFormBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestLineSize = 16 * 1024;
            kestrel.AddServerHeader = false;
        });
        // The caller's configuration and services (tests: storage, a manual clock) come first; the server's
        // registrations are TryAdd, so they yield to them.
        configure?.Invoke(builder);
        builder.Services.AddServerlessOAuth(builder.Configuration);
        builder.Services.AddHostedService<PurgeTimer>();

        var app = builder.Build();
        app.MapServerlessOAuth();
        return app;
    }
}
