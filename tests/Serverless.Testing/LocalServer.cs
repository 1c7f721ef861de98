using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Local;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Users;

namespace Serverless.Testing;

/// <summary>
/// The local host, started in this process on a free 127.0.0.1 port with real Kestrel, Azurite storage under its own
/// table prefix, its own signing key file and a manual clock. Tests speak real HTTP to it.
/// </summary>
public sealed class LocalServer : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly WebApplication _app;

    private LocalServer(WebApplication app, Uri baseAddress, ManualClock clock, string keyPath)
    {
        _app = app;
        BaseAddress = baseAddress;
        Clock = clock;
        KeyPath = keyPath;
    }

    public Uri BaseAddress { get; }

    public string Issuer => BaseAddress.ToString().TrimEnd('/');

    public ManualClock Clock { get; }

    public string KeyPath { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<LocalServer> StartAsync(
        Dictionary<string, string?>? settings = null,
        string? keyPath = null,
        string? tablePrefix = null,
        Action<IServiceCollection>? services = null,
        AzuriteServer? storageServer = null,
        string environment = "Development",
        ManualClock? clock = null)
    {
        var azurite = storageServer ?? await AzuriteServer.Shared;
        var storage = azurite.NewStorage();
        var port = FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        clock ??= new ManualClock(DateTimeOffset.UtcNow);
        keyPath ??= Path.Combine(Path.GetTempPath(), "oauth-keys-" + Guid.NewGuid().ToString("N") + ".json");
        var configuration = new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = baseAddress.ToString().TrimEnd('/'),
            ["OAuth:Storage:ConnectionString"] = storage.ConnectionString,
            ["OAuth:Storage:TablePrefix"] = tablePrefix ?? storage.TablePrefix,
            ["OAuth:Signing:LocalKeyPath"] = keyPath,
            ["OAuth:SeedDemoData"] = "false",
        };
        foreach (var (key, value) in settings ?? [])
        {
            configuration[key] = value;
        }

        var app = LocalHost.Build(["--urls", baseAddress.ToString(), "--environment", environment], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Services.AddSingleton<TimeProvider>(clock);
            services?.Invoke(builder.Services);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        return new LocalServer(app, baseAddress, clock, keyPath);
    }

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>A client that keeps cookies and never follows redirects, so tests see every 302.</summary>
    public HttpClient NewHttpClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new System.Net.CookieContainer() })
        {
            BaseAddress = BaseAddress,
        };

    public async Task<OAuthClient> AddPublicClientAsync(string? clientId = null, string[]? grants = null, bool refreshWithoutOfflineAccess = false, params string[] redirectUris)
    {
        var client = new OAuthClient
        {
            ClientId = clientId ?? "public-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Test Public App",
            Type = ClientType.Public,
            RedirectUris = redirectUris.Length > 0 ? redirectUris : ["http://127.0.0.1:9/callback"],
            AllowedScopes = ["read", "write", "offline_access"],
            AllowedGrantTypes = grants ?? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken],
            RefreshWithoutOfflineAccess = refreshWithoutOfflineAccess,
        };
        Added(await Get<ClientStore>().AddAsync(client), client.ClientId);
        return client;
    }

    public async Task<(OAuthClient Client, string Secret)> AddConfidentialClientAsync(string[]? grants = null, string[]? scopes = null, bool mayIntrospect = false)
    {
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var client = new OAuthClient
        {
            ClientId = "conf-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Test Confidential App",
            Type = ClientType.Confidential,
            SecretHash = ClientSecretVerifier.HashSecret(secret),
            RedirectUris = ["https://app.example.com/callback"],
            AllowedScopes = scopes ?? ["read", "write", "offline_access"],
            AllowedGrantTypes = grants ?? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials],
            MayIntrospect = mayIntrospect,
        };
        Added(await Get<ClientStore>().AddAsync(client), client.ClientId);
        return (client, secret);
    }

    public async Task<OAuthUser> AddUserAsync(string? username = null)
    {
        var user = new OAuthUser(username ?? "user" + Guid.NewGuid().ToString("N")[..8], Guid.NewGuid().ToString(), UserStore.HashPassword(Password), "Test User");
        Added(await Get<UserStore>().AddAsync(user), user.Username);
        return user;
    }

    private static void Added(bool added, string name)
    {
        if (!added)
        {
            throw new InvalidOperationException($"'{name}' exists already.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(KeyPath);
    }
}
