using System.Net;
using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.Testing.KeyVault;

namespace Serverless.IntegrationTests;

/// <summary>
/// The same token tests in every signing mode, through the whole server: Local (ES256, RS256), KeyVault (EC, RSA) and
/// KeyVaultWrapped, the Key Vault modes against the HTTPS stand-in. Tokens are verified independently against JWKS.
/// </summary>
public sealed class SigningModeTests : IAsyncLifetime
{
    private KeyVaultStandIn _vault = null!;

    public async Task InitializeAsync() => _vault = await KeyVaultStandIn.StartAsync();

    public async Task DisposeAsync() => await _vault.DisposeAsync();

    private async Task<LocalServer> StartAsync(string mode, string algorithm, string? keyType = null)
    {
        var settings = new Dictionary<string, string?> { ["OAuth:Signing:Mode"] = mode, ["OAuth:Signing:Algorithm"] = algorithm };
        if (mode == "KeyVault")
        {
            var name = "signing-" + Guid.NewGuid().ToString("N")[..8];
            _vault.AddKey(name, keyType!);
            settings["OAuth:Signing:KeyVaultUri"] = _vault.VaultUri.ToString();
            settings["OAuth:Signing:KeyName"] = name;
        }
        else if (mode == "KeyVaultWrapped")
        {
            var name = "wrapping-" + Guid.NewGuid().ToString("N")[..8];
            _vault.AddKey(name, "RSA");
            settings["OAuth:Signing:KeyVaultUri"] = _vault.VaultUri.ToString();
            settings["OAuth:Signing:WrappingKeyName"] = name;
        }

        return await LocalServer.StartAsync(settings, services: services =>
        {
            services.AddSingleton<TokenCredential>(new StaticTokenCredential());
            if (mode != "Local")
            {
                // The stand-in's client options turn off the challenge resource check, which start-up allows only
                // for a vault on a loopback address: not in Local mode, where no vault is set.
                services.Configure<OAuthServerOptions>(o => o.Signing.KeyVaultClient = _vault.ClientOptions(maxRetries: 1));
            }
        });
    }

    [Theory]
    [InlineData("Local", "ES256", null)]
    [InlineData("Local", "RS256", null)]
    [InlineData("KeyVault", "ES256", "EC")]
    [InlineData("KeyVault", "RS256", "RSA")]
    [InlineData("KeyVaultWrapped", "ES256", null)]
    [InlineData("KeyVaultWrapped", "RS256", null)]
    public async Task TokensOfEveryMode_VerifyAgainstJwks_AndOpenTheResource(string mode, string algorithm, string? keyType)
    {
        await using var server = await StartAsync(mode, algorithm, keyType);
        var flow = new OAuthFlow(server);
        var (client, secret) = await server.AddConfidentialClientAsync();
        await flow.Http.GetStringAsync(".well-known/jwks.json"); // start-up work (key fetch, unwrap) happens here
        _vault.ResetCounts();

        var tokens = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(
                await flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read")], (client.ClientId, secret)));
            tokens.Add(accessToken);
        }

        var expectedSigns = mode == "KeyVault" ? 3 : 0;
        Assert.Equal(expectedSigns, _vault.Count(KeyVaultOperation.Sign));
        Assert.Equal(expectedSigns, _vault.TotalOperations); // nothing but the signs, per token
        foreach (var token in tokens)
        {
            var jwt = await TokenSupport.ValidateAgainstJwksAsync(flow.Http, token, server.Issuer, server.Issuer + "/resource");
            Assert.Equal(algorithm, jwt.Alg);
            Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(token)).StatusCode);
        }
    }

    [Fact]
    public async Task KeyVaultFailing_IsRetried_ThenA503_AndTheCodeStaysUsable()
    {
        await using var server = await StartAsync("KeyVault", "ES256", "EC");
        var flow = new OAuthFlow(server);
        var client = await server.AddPublicClientAsync(redirectUris: "http://127.0.0.1:9/callback");
        var user = await server.AddUserAsync();
        await flow.Http.GetStringAsync(".well-known/jwks.json");
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(client.ClientId, "http://127.0.0.1:9/callback", user.Username, challenge);
        (string, string)[] exchange =
        [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("client_id", client.ClientId), ("code_verifier", verifier),
        ];
        _vault.ResetCounts();

        _vault.FailNext(2, 500); // as many as the server tries: the first attempt and its one retry
        var failed = await flow.PostTokenAsync(exchange);

        await OAuthFlow.AssertOAuthErrorAsync(failed, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
        Assert.True(failed.Headers.RetryAfter is not null);
        Assert.Equal(2, _vault.Faulted);
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(exchange));
    }

    [Fact]
    public async Task KeyVaultThrottling_IsRetried_AndTheTokenIsIssued()
    {
        await using var server = await StartAsync("KeyVault", "ES256", "EC");
        var flow = new OAuthFlow(server);
        var (client, secret) = await server.AddConfidentialClientAsync();
        await flow.Http.GetStringAsync(".well-known/jwks.json");
        _vault.ResetCounts();

        _vault.FailNext(1, 429, TimeSpan.FromSeconds(1));
        var response = await flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret));

        await TokenSupport.ReadTokenResponseAsync(response);
        Assert.Equal(2, _vault.Count(KeyVaultOperation.Sign));
    }
}
