using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.Testing.KeyVault;

namespace Serverless.IntegrationTests;

/// <summary>
/// The wrapped signing key rotated while three instances issue tokens: three hosts with their own services (key rings,
/// caches) over one table prefix and one vault, on one manual clock. These run in this process, because the Key Vault
/// stand-in's certificate and token credential can only be handed to a host built here; nothing in memory is shared.
/// Every token, from whichever instance, verifies against every instance's JWKS at the moment it is issued.
/// </summary>
public sealed class MultiInstanceKeyRotationTests : IAsyncLifetime
{
    private KeyVaultStandIn _vault = null!;
    private readonly List<LocalServer> _servers = [];

    public async Task InitializeAsync() => _vault = await KeyVaultStandIn.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        await _vault.DisposeAsync();
    }

    [Fact]
    public async Task AWrappedKeyRotatedWhileThreeInstancesIssue_EveryTokenVerifiesAgainstEveryInstancesJwks()
    {
        var wrappingKey = "wrapping-" + Guid.NewGuid().ToString("N")[..8];
        _vault.AddKey(wrappingKey, "RSA");
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var prefix = "r" + Guid.NewGuid().ToString("N")[..12];
        const string issuer = "http://localhost:7071";
        var settings = new Dictionary<string, string?>
        {
            ["OAuth:Issuer"] = issuer,
            ["OAuth:Signing:Mode"] = "KeyVaultWrapped",
            ["OAuth:Signing:Algorithm"] = "ES256",
            ["OAuth:Signing:KeyVaultUri"] = _vault.VaultUri.ToString(),
            ["OAuth:Signing:WrappingKeyName"] = wrappingKey,
        };
        for (var i = 0; i < 3; i++)
        {
            _servers.Add(await LocalServer.StartAsync(settings, tablePrefix: prefix, clock: clock, services: services =>
            {
                services.AddSingleton<TokenCredential>(new StaticTokenCredential());
                services.Configure<OAuthServerOptions>(o => o.Signing.KeyVaultClient = _vault.ClientOptions(maxRetries: 1));
            }));
        }

        var (client, secret) = await _servers[0].AddConfidentialClientAsync();
        var flows = _servers.Select(s => new OAuthFlow(s)).ToList();
        var refresh = new SigningOptions().KeyRefreshInterval;
        var kids = new HashSet<string>(StringComparer.Ordinal);
        Task<PublicJsonWebKey>? rotation = null;

        // Minute by minute through the rotation: the new key is published at once and signs one refresh interval later,
        // by when every instance has reloaded its key ring and publishes it.
        for (var minute = 0; minute <= refresh.TotalMinutes + 2; minute++)
        {
            var issuing = flows.Select(async f => (await TokenSupport.ReadTokenResponseAsync(
                await f.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret)))).AccessToken).ToList();
            if (minute == 1)
            {
                rotation = _servers[0].Get<ISigningKeyProvider>().RotateAsync(CancellationToken.None);
            }

            foreach (var token in await Task.WhenAll(issuing))
            {
                kids.Add(new JsonWebToken(token).Kid);
                foreach (var flow in flows)
                {
                    await TokenSupport.ValidateAgainstJwksAsync(flow.Http, token, issuer, issuer + "/resource");
                }
            }

            clock.Advance(TimeSpan.FromMinutes(1));
        }

        // Both keys signed while the instances issued: the old one before the switch, the new one after.
        var rotated = await rotation!;
        Assert.Equal(2, kids.Count);
        Assert.Contains(rotated.KeyId, kids);
    }
}
