using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.Benchmarks.Issuance;

/// <summary>
/// The server's own service graph (AddServerlessOAuth) with a Local key, and one confidential client whose secret was
/// verified once, as after the first request of an instance. <see cref="IssueAsync"/> runs the whole token-response
/// path of POST /token for client_credentials (form reading, client authentication, the grant, JWT writing and
/// signing, the JSON response with its headers) on an in-memory HttpContext, without Kestrel and without storage.
/// </summary>
public sealed class InProcessTokenServer : IDisposable
{
    public const string ClientId = "bench-api";
    public const string Secret = "bench-secret-not-a-secret-0123456789";
    private static readonly byte[] FormBody = Encoding.ASCII.GetBytes("grant_type=client_credentials&scope=read");

    private readonly ServiceProvider _services;
    private readonly EndpointRunner _endpoints;
    private readonly TokenHttpEndpoint _token;
    private readonly string _keyPath;
    private readonly string _authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(ClientId + ":" + Secret));

    public InProcessTokenServer(string algorithm, Action<IServiceCollection>? configure = null)
    {
        _keyPath = Path.Combine(Path.GetTempPath(), "oauth-bench-inproc-" + Guid.NewGuid().ToString("N") + ".json");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = "https://oauth.example.com",
            ["OAuth:Signing:Mode"] = "Local",
            ["OAuth:Signing:Algorithm"] = algorithm,
            ["OAuth:Signing:LocalKeyPath"] = _keyPath,
            // Never contacted: the client store and the API registry are preloaded and the secret already verified.
            ["OAuth:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["OAuth:ClientCacheLifetime"] = "1.00:00:00",
        }).Build();

        var client = new OAuthClient
        {
            ClientId = ClientId,
            Name = "Benchmark API client",
            Type = ClientType.Confidential,
            SecretHash = ClientSecretVerifier.HashSecret(Secret),
            AllowedScopes = ["read", "write"],
            AllowedGrantTypes = [GrantTypes.ClientCredentials],
        };
        var services = new ServiceCollection();
        services.AddLogging();
        configure?.Invoke(services);
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment
        {
            EnvironmentName = Environments.Production,
            ApplicationName = "Serverless.Benchmarks",
            ContentRootPath = Path.GetTempPath(),
            ContentRootFileProvider = new NullFileProvider(),
        });
        services.AddSingleton<IClientStore>(new PreloadedClientStore(client));
        services.AddSingleton<IApiStore>(new PreloadedApiStore(new ApiResource
        {
            Identifier = "https://oauth.example.com/resource",
            Name = "Benchmark API",
            Scopes = [new ApiScope("read", "Read"), new ApiScope("write", "Write")],
        }));
        // DPoP's jti check is one Table Storage insert, counted with the storage round trips; here it is free.
        services.AddSingleton<IOneTimeIds>(new NoReplayStore());
        services.AddServerlessOAuth(configuration);
        _services = services.BuildServiceProvider();
        _endpoints = _services.GetRequiredService<EndpointRunner>();
        _token = _services.GetRequiredService<TokenHttpEndpoint>();
        if (!_services.GetRequiredService<ClientSecretVerifier>().Verify(client, Secret))
        {
            throw new InvalidOperationException("The benchmark client's secret did not verify.");
        }

        SigningKey = (AsymmetricSigningKey)_services.GetRequiredService<ISigningKeyProvider>().GetSigningKeyAsync(default).AsTask().GetAwaiter().GetResult();
        Issuer = "https://oauth.example.com";
        Audience = Issuer + "/resource";
        PrivateKeyPkcs8 = ReadPrivateKey(_keyPath);
    }

    public AsymmetricSigningKey SigningKey { get; }

    /// <summary>The server's services (for benchmarks of single steps of the path).</summary>
    public IServiceProvider Services => _services;

    /// <summary>The Authorization header the token requests carry (client_secret_basic).</summary>
    public string Authorization => _authorization;

    public byte[] PrivateKeyPkcs8 { get; }

    public string Issuer { get; }

    public string Audience { get; }

    /// <summary>POST /token, client_credentials, client_secret_basic; returns the response's status code.</summary>
    /// <param name="dpopProof">A DPoP proof for the request (RFC 9449): the token is then DPoP-bound.</param>
    public async Task<int> IssueAsync(Stream responseBody, string? dpopProof = null)
    {
        var context = new DefaultHttpContext { RequestServices = _services };
        var request = context.Request;
        request.Method = HttpMethods.Post;
        request.Path = "/token";
        request.ContentType = "application/x-www-form-urlencoded";
        request.ContentLength = FormBody.Length;
        request.Headers.Authorization = _authorization;
        if (dpopProof is not null)
        {
            request.Headers["DPoP"] = dpopProof;
        }
        request.Body = new MemoryStream(FormBody, writable: false);
        context.Response.Body = responseBody;
        var result = await _endpoints.RunAsync(request, _token, static (e, r) => e.HandleAsync(r));
        await result.ExecuteAsync(context);
        return context.Response.StatusCode;
    }

    private static byte[] ReadPrivateKey(string path)
    {
        using var file = JsonDocument.Parse(File.ReadAllText(path));
        var key = file.RootElement.GetProperty("Keys")[0];
        return Convert.FromBase64String(key.GetProperty("PrivateKeyPkcs8").GetString()!);
    }

    public void Dispose()
    {
        _services.Dispose();
        File.Delete(_keyPath);
    }
}

/// <summary>Every DPoP jti is new: the benchmark signs one proof and reuses it, and the storage insert is not what it measures.</summary>
internal sealed class NoReplayStore : IOneTimeIds
{
    public Task<bool> TryUseAsync(string scope, string value, DateTimeOffset until, CancellationToken cancellationToken) => Task.FromResult(true);
}
