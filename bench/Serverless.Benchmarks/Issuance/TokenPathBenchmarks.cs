using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Endpoints.Dpop;
using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Protocol;

namespace Serverless.Benchmarks.Issuance;

/// <summary>
/// What each step and check of a client_credentials token costs, each alone with the server's own services (the same
/// graph as <see cref="IssuanceBenchmarks"/>: Local ES256 key, the client cached with its secret verified once), beside
/// the whole POST /token response: reading the Basic credentials, the client's authentication (lookup and the
/// constant-time compare), the DPoP check of a request without a proof, choosing the API and scope (RFC 8707), the
/// grant (that choice and the JWT), the JWT alone, and the telemetry a token emits (counters and the grant's span),
/// with nobody listening and with the OpenTelemetry SDK collecting everything.
/// </summary>
[MemoryDiagnoser]
public class TokenPathBenchmarks
{
    private InProcessTokenServer _server = null!;
    private ClientAuthenticator _authenticator = null!;
    private ClientSecretVerifier _secrets = null!;
    private DpopProofValidator _dpop = null!;
    private IApiStore _apis = null!;
    private ClientCredentialsGrant _grant = null!;
    private OAuthClient _client = null!;
    private OAuthParameters _form = null!;
    private CollectedTelemetry? _telemetry;

    [Params("ES256")]
    public string Algorithm { get; set; } = "ES256";

    [GlobalSetup]
    public void Setup()
    {
        _server = new InProcessTokenServer(Algorithm);
        var services = _server.Services;
        _authenticator = services.GetRequiredService<ClientAuthenticator>();
        _secrets = services.GetRequiredService<ClientSecretVerifier>();
        _dpop = services.GetRequiredService<DpopProofValidator>();
        _apis = services.GetRequiredService<IApiStore>();
        _grant = services.GetRequiredService<ClientCredentialsGrant>();
        _client = services.GetRequiredService<IClientStore>().FindAsync(InProcessTokenServer.ClientId).GetAwaiter().GetResult()!;
        _form = OAuthParameters.From(("grant_type", GrantTypes.ClientCredentials), ("scope", "read"));
        if (FullTokenResponse() != 200 || !Authenticate() || !ChooseApi() || !Grant())
        {
            throw new InvalidOperationException("A step of the token path failed.");
        }
    }

    [GlobalSetup(Target = nameof(TelemetryListened))]
    public void SetupListened()
    {
        Setup();
        _telemetry = new CollectedTelemetry();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _telemetry?.Dispose();
        _telemetry = null;
        _server.Dispose();
    }

    [Benchmark(Baseline = true, Description = "full token response (POST /token path)")]
    public int FullTokenResponse() => _server.IssueAsync(Stream.Null).GetAwaiter().GetResult();

    [Benchmark(Description = "Basic credentials read")]
    public bool ReadCredentials() => ClientAuthenticator.ReadCredentials(_server.Authorization, _form).Succeeded;

    [Benchmark(Description = "client authenticated (credentials, cached client, constant-time compare)")]
    public bool Authenticate() => _authenticator.AuthenticateAsync(_server.Authorization, _form, "127.0.0.1", default).GetAwaiter().GetResult().Succeeded;

    [Benchmark(Description = "secret compared (SHA-256 digest, FixedTimeEquals)")]
    public bool CompareSecret() => _secrets.IsRemembered(_client, InProcessTokenServer.Secret);

    [Benchmark(Description = "DPoP check, request without a proof")]
    public bool DpopWithoutProof() => _dpop.ValidateAsync(StringValues.Empty, "POST", _dpop.UrlOf("token"), null, default).GetAwaiter().GetResult().Succeeded;

    [Benchmark(Description = "API and scope chosen (RFC 8707 rules, computed)")]
    public bool ChooseApi()
    {
        var catalog = _apis.GetCatalogAsync().GetAwaiter().GetResult();
        var allowed = ScopeSet.From(_client.AllowedScopes.Where(s => catalog.OwnerOf(s) is not null));
        return ResourceSelection.ForToken(catalog, _client, _form, ResourceSelection.ClientResources(catalog, _client), allowed, ScopeSet.Parse(_form["scope"])!).Succeeded;
    }

    [Benchmark(Description = "client_credentials grant (API, scope, JWT)")]
    public bool Grant() => _grant.IssueAsync(_client, _form, null, default).GetAwaiter().GetResult().Succeeded;

    [Benchmark(Description = "JWT written and signed")]
    public string WriteJwt()
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new AccessTokenClaims(
            InProcessTokenServer.ClientId, InProcessTokenServer.ClientId, "read", SecretValues.Compose(SecretValues.NewId(), SecretValues.NewId()), now, now.AddMinutes(10), null);
        return AccessTokenWriter.WriteAsync(_server.SigningKey, _server.Issuer, _server.Audience, claims, default).AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "telemetry of a token, nobody listening")]
    public void TelemetryUnlistened() => EmitTokenTelemetry();

    [Benchmark(Description = "telemetry of a token, OpenTelemetry SDK collecting")]
    public void TelemetryListened() => EmitTokenTelemetry();

    /// <summary>What POST /token emits for one client_credentials token: the endpoint's, the grant's and the signature's spans, the client authentication and token counters, the signing histogram.</summary>
    private static void EmitTokenTelemetry()
    {
        using var endpoint = ServerTelemetry.Source.HasListeners() ? ServerTelemetry.Source.StartActivity("oauth /token") : null;
        ServerTelemetry.ClientAuthenticated(ClientCredentials.Basic, succeeded: true);
        using (ServerTelemetry.StartGrant(GrantTypes.ClientCredentials))
        using (ServerTelemetry.Source.StartActivity("oauth.sign"))
        {
            ServerTelemetry.Signed("ES256", "Local", TimeSpan.FromMicroseconds(30));
        }

        ServerTelemetry.TokenIssued(GrantTypes.ClientCredentials, "https://oauth.example.com/resource");
    }
}
