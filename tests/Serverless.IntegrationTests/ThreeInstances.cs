using System.Net;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Identity.Users;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests;

/// <summary>
/// Three local hosts, each its own process, over one Azurite and one table prefix, as three Functions instances over
/// one storage account: the same issuer, the same signing key, nothing shared in memory. Started once for a test class.
/// </summary>
public sealed class ThreeInstances : IAsyncLifetime
{
    /// <summary>The documented bound for a client change to reach every instance, kept short here.</summary>
    public static readonly TimeSpan ClientCacheLifetime = TimeSpan.FromSeconds(3);

    public const int MaxFailures = 3;

    private readonly List<LocalHostProcess> _hosts = [];
    private readonly string _keyPath = Path.Combine(Path.GetTempPath(), "oauth-three-" + Guid.NewGuid().ToString("N") + ".json");

    public IReadOnlyList<Uri> Instances => _hosts.Select(h => h.BaseAddress).ToList();

    public string Issuer { get; private set; } = "";

    public Dictionary<string, string> Environment { get; } = [];

    public StorageOptions Storage { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var azurite = await AzuriteServer.Shared;
        Storage = azurite.NewStorage();
        var firstPort = FreePort.Next();
        Issuer = $"http://127.0.0.1:{firstPort}";
        Environment["OAuth__Issuer"] = Issuer;
        Environment["OAuth__Storage__ConnectionString"] = Storage.ConnectionString!;
        Environment["OAuth__Storage__TablePrefix"] = Storage.TablePrefix;
        Environment["OAuth__Signing__LocalKeyPath"] = _keyPath;
        Environment["OAuth__ClientCacheLifetime"] = ClientCacheLifetime.ToString();
        Environment["OAuth__Lockout__MaxFailures"] = MaxFailures.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment["Logging__LogLevel__Default"] = "Warning";

        // Local mode's key file is made by the first instance that needs it; the others start once it exists. (In Azure
        // the Key Vault modes share keys through the vault and Table Storage instead.)
        _hosts.Add(await LocalHostProcess.StartAsync(Environment, firstPort));
        using (var first = new HttpClient { BaseAddress = _hosts[0].BaseAddress })
        {
            (await first.GetAsync(".well-known/jwks.json")).EnsureSuccessStatusCode();
        }

        _hosts.AddRange(await Task.WhenAll(LocalHostProcess.StartAsync(Environment), LocalHostProcess.StartAsync(Environment)));
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        File.Delete(_keyPath);
    }

    public string Logs => string.Join('\n', _hosts.SelectMany((h, i) => h.Log.Select(line => $"[{i}] {line}")));

    /// <summary>A client of one instance; every client made here shares one cookie jar, as one browser would.</summary>
    public HttpClient Client(int instance, CookieContainer? cookies = null) => new(Handler(cookies)) { BaseAddress = _hosts[instance].BaseAddress };

    /// <summary>A client that sends each request to the next instance in turn, as a load balancer may.</summary>
    public HttpClient RoundRobin(CookieContainer? cookies = null) => new(new RoundRobinHandler(Instances, Handler(cookies))) { BaseAddress = _hosts[0].BaseAddress };

    public async Task<(OAuthClient Client, string Secret)> AddConfidentialClientAsync(string redirectUri)
    {
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        var client = new OAuthClient
        {
            ClientId = "multi-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Multi-instance App",
            Type = ClientType.Confidential,
            SecretHash = ClientSecretVerifier.HashSecret(secret),
            RedirectUris = [redirectUri],
            AllowedScopes = ["read", "write", "offline_access"],
            AllowedGrantTypes = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials],
        };
        Assert.True(await new ClientStore(new OAuthTables(Storage), new ExpiryIndex(new OAuthTables(Storage)), new OAuthServerOptions(), TimeProvider.System).AddAsync(client));
        return (client, secret);
    }

    public async Task<OAuthUser> AddUserAsync()
    {
        var user = new OAuthUser("multi" + Guid.NewGuid().ToString("N")[..8], Guid.NewGuid().ToString(), UserStore.HashPassword(LocalServer.Password), "Multi User");
        Assert.True(await new UserStore(new OAuthTables(Storage)).AddAsync(user));
        return user;
    }

    private static HttpClientHandler Handler(CookieContainer? cookies) =>
        new() { AllowAutoRedirect = false, UseCookies = true, CookieContainer = cookies ?? new CookieContainer() };

    private sealed class RoundRobinHandler(IReadOnlyList<Uri> instances, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _next = -1;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var instance = instances[(int)((uint)Interlocked.Increment(ref _next) % (uint)instances.Count)];
            request.RequestUri = new Uri(instance, request.RequestUri!.PathAndQuery);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
