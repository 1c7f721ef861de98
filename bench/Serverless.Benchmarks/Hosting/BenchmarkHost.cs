using Azure.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Testing.Storage;
using Serverless.Local;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Identity.Users;
using Serverless.Testing;
using Serverless.Testing.KeyVault;
using Serverless.OAuth.Protocol;

namespace Serverless.Benchmarks.Hosting;

/// <summary>
/// The local host, built with <see cref="LocalHost.Build"/> in this process on a free 127.0.0.1 port against Azurite,
/// with two additions that exist only here: a counter on every Table Storage request, and GET /bench/constant, a
/// constant JSON body that measures what the host itself costs (it is not a product route).
/// </summary>
public sealed class BenchmarkHost : IAsyncDisposable
{
    public const string ConstantPath = "/bench/constant";
    public const string UserPassword = "bench-password-not-a-secret";
    public const string RedirectUri = "http://127.0.0.1:9/callback";
    private static readonly byte[] ConstantBody = """{"status":"ok","service":"serverless-oauth"}"""u8.ToArray();

    private readonly WebApplication _app;
    private readonly string _keyPath;

    private BenchmarkHost(WebApplication app, Uri baseAddress, StorageRequestCounter storage, string keyPath)
    {
        _app = app;
        BaseAddress = baseAddress;
        Storage = storage;
        _keyPath = keyPath;
    }

    public Uri BaseAddress { get; }

    public StorageRequestCounter Storage { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<BenchmarkHost> StartAsync(
        AzuriteServer azurite, SigningSetup signing, KeyVaultStandIn? vault = null, IReadOnlyDictionary<string, string?>? extraSettings = null,
        TimeSpan answerHold = default)
    {
        var storage = azurite.NewStorage();
        // A hold on each storage answer only where round trips are counted (StorageRequestCounter.RoundTrips).
        var counter = new StorageRequestCounter(storage.TablePrefix) { AnswerHold = answerHold };
        var port = FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var keyPath = Path.Combine(Path.GetTempPath(), "oauth-bench-keys-" + Guid.NewGuid().ToString("N") + ".json");
        var settings = new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = baseAddress.ToString().TrimEnd('/'),
            ["OAuth:Storage:ConnectionString"] = storage.ConnectionString,
            ["OAuth:Storage:TablePrefix"] = storage.TablePrefix,
            ["OAuth:Signing:LocalKeyPath"] = keyPath,
            ["OAuth:Signing:Mode"] = signing.Mode,
            ["OAuth:Signing:Algorithm"] = signing.Algorithm,
            ["OAuth:SeedDemoData"] = "false",
            // Codes are minted ahead of a load run: let them live as long as the rules allow.
            ["OAuth:AuthorizationCodeLifetime"] = "00:10:00",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        if (vault is not null && signing.Mode == "KeyVault")
        {
            var name = "signing-" + Guid.NewGuid().ToString("N")[..8];
            vault.AddKey(name, signing.Algorithm == "ES256" ? "EC" : "RSA");
            settings["OAuth:Signing:KeyVaultUri"] = vault.VaultUri.ToString();
            settings["OAuth:Signing:KeyName"] = name;
        }
        else if (vault is not null && signing.Mode == "KeyVaultWrapped")
        {
            var name = "wrapping-" + Guid.NewGuid().ToString("N")[..8];
            vault.AddKey(name, "RSA");
            settings["OAuth:Signing:KeyVaultUri"] = vault.VaultUri.ToString();
            settings["OAuth:Signing:WrappingKeyName"] = name;
        }

        // Development: the login form's CSRF cookie is then not "Secure", so it comes back over plain http (as in the
        // integration tests); nothing on the token path depends on the environment. Demo data stays off (SeedDemoData).
        var app = LocalHost.Build(["--urls", baseAddress.ToString(), "--environment", "Development"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            var tableOptions = OAuthTables.DefaultClientOptions();
            tableOptions.AddPolicy(counter, Azure.Core.HttpPipelinePosition.PerRetry);
            builder.Services.AddSingleton(new OAuthTables(storage, null, tableOptions));
            // The stand-in's client options turn off the challenge resource check: start-up allows that only for a
            // vault on a loopback address, so only in the Key Vault modes.
            if (vault is not null && signing.Mode != "Local")
            {
                builder.Services.AddSingleton<TokenCredential>(new StaticTokenCredential());
                builder.Services.Configure<OAuthServerOptions>(o => o.Signing.KeyVaultClient = vault.ClientOptions());
            }

            builder.Logging.ClearProviders();
        });
        app.MapGet(ConstantPath, () => Results.Bytes(ConstantBody, "application/json"));
        await app.StartAsync();
        return new BenchmarkHost(app, baseAddress, counter, keyPath);
    }

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public OAuthServerOptions Options => Get<OAuthServerOptions>();

    public HttpClient NewHttpClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new System.Net.CookieContainer() })
        {
            BaseAddress = BaseAddress,
        };

    public async Task<(OAuthClient Client, string Secret)> AddConfidentialClientAsync()
    {
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var client = new OAuthClient
        {
            ClientId = "bench-api-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Benchmark API client",
            Type = ClientType.Confidential,
            SecretHash = ClientSecretVerifier.HashSecret(secret),
            RedirectUris = [RedirectUri],
            AllowedScopes = ["read", "write"],
            AllowedGrantTypes = [GrantTypes.ClientCredentials],
        };
        await AddAsync(client);
        return (client, secret);
    }

    public async Task<OAuthClient> AddPublicClientAsync()
    {
        var client = new OAuthClient
        {
            ClientId = "bench-spa-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Benchmark SPA",
            Type = ClientType.Public,
            RedirectUris = [RedirectUri],
            AllowedScopes = ["read", "write", "offline_access"],
            AllowedGrantTypes = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken],
        };
        await AddAsync(client);
        return client;
    }

    public async Task<OAuthUser> AddUserAsync()
    {
        var user = new OAuthUser("bench" + Guid.NewGuid().ToString("N")[..8], Guid.NewGuid().ToString(), UserStore.HashPassword(UserPassword), "Benchmark User");
        if (!await Get<IUserStore>().AddAsync(user))
        {
            throw new InvalidOperationException("Could not add the benchmark user.");
        }

        return user;
    }

    private async Task AddAsync(OAuthClient client)
    {
        if (!await Get<IClientStore>().AddAsync(client))
        {
            throw new InvalidOperationException("Could not add the benchmark client.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(_keyPath);
    }
}
