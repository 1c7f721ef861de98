using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>grant_type=client_credentials (RFC 6749 §4.4), asked of both hosts.</summary>
public abstract class ClientCredentialsGrantContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : ServerFixture
{
    private readonly IOAuthTestServer _server = fixture.Server;
    private OAuthFlow _flow = null!;

    public Task InitializeAsync()
    {
        _flow = new OAuthFlow(_server);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ConfidentialClient_GetsAnAccessTokenForItself_AndNoRefreshToken()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync(scopes: ["read", "write", "offline_access"]);

        var (accessToken, refreshToken, body) = await TokenSupport.ReadTokenResponseAsync(
            await _flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret)));

        Assert.Null(refreshToken);
        Assert.Equal("read write", body.GetProperty("scope").GetString()); // offline_access means nothing here
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(_flow.Http, accessToken, _server.Issuer, _server.Issuer + "/resource");
        Assert.Equal(client.ClientId, jwt.Subject);
        Assert.Equal(client.ClientId, jwt.GetClaim("client_id").Value);
        Assert.False(jwt.TryGetPayloadValue<long>("auth_time", out _));
    }

    [Fact]
    public async Task ScopeIsLimitedToTheClientsAllowedScopes()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync(scopes: ["read"]);

        var ok = await _flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read")], (client.ClientId, secret));
        var wider = await _flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read write")], (client.ClientId, secret));
        var offline = await _flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "offline_access")], (client.ClientId, secret));

        await TokenSupport.ReadTokenResponseAsync(ok);
        await OAuthFlow.AssertOAuthErrorAsync(wider, HttpStatusCode.BadRequest, "invalid_scope");
        await OAuthFlow.AssertOAuthErrorAsync(offline, HttpStatusCode.BadRequest, "invalid_scope");
    }

    [Fact]
    public async Task PublicClient_IsRefused()
    {
        var client = await _server.AddPublicClientAsync(grants: [GrantTypes.AuthorizationCode, GrantTypes.ClientCredentials]);

        var response = await _flow.PostTokenAsync([("grant_type", "client_credentials"), ("client_id", client.ClientId)]);

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
    }

    [Fact]
    public async Task ClientSecretPost_Works()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync();

        var response = await _flow.PostTokenAsync([("grant_type", "client_credentials"), ("client_id", client.ClientId), ("client_secret", secret)]);

        await TokenSupport.ReadTokenResponseAsync(response);
    }

    [Fact]
    public async Task SecretWithReservedCharacters_IsUrlDecodedFromBasic()
    {
        // RFC 6749 §2.3.1: id and secret are form-url-encoded before Basic encoding, so the server decodes them.
        const string Secret = "s3cret:+%2B/ é&=";
        var client = new OAuthClient
        {
            ClientId = "conf-" + Guid.NewGuid().ToString("N")[..8],
            Name = "Reserved characters",
            Type = ClientType.Confidential,
            SecretHash = ClientSecretVerifier.HashSecret(Secret),
            RedirectUris = ["https://app.example.com/callback"],
            AllowedScopes = ["read"],
            AllowedGrantTypes = [GrantTypes.ClientCredentials],
        };
        Assert.True(await _server.Services.GetRequiredService<IClientStore>().AddAsync(client));

        var encoded = await _flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, Secret));
        using var raw = new HttpRequestMessage(HttpMethod.Post, "token") { Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]) };
        raw.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(client.ClientId + ":" + Secret)));
        var notEncoded = await _flow.Http.SendAsync(raw);

        await TokenSupport.ReadTokenResponseAsync(encoded);
        // Sent without the encoding, "+" decodes to a space and "%2B" to "+": not the secret.
        await OAuthFlow.AssertOAuthErrorAsync(notEncoded, HttpStatusCode.Unauthorized, "invalid_client");
    }
}

public sealed class LocalHostClientCredentialsGrantContractTests(LocalHostFixture fixture) : ClientCredentialsGrantContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerClientCredentialsGrantContractTests(FunctionsWorkerFixture fixture) : ClientCredentialsGrantContractTests<FunctionsWorkerFixture>(fixture);
