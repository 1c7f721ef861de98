using System.Net;
using System.Text;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>Request-level rules of POST /token (RFC 6749 §3.2, §5.2), asked of both hosts.</summary>
public abstract class TokenEndpointRequestContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
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
    public async Task MissingGrantType_IsInvalidRequest()
    {
        await OAuthFlow.AssertOAuthErrorAsync(await _flow.PostTokenAsync([("code", "x")]), HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task UnknownGrantType_IsUnsupportedGrantType()
    {
        await OAuthFlow.AssertOAuthErrorAsync(await _flow.PostTokenAsync([("grant_type", "password")]), HttpStatusCode.BadRequest, "unsupported_grant_type");
    }

    [Fact]
    public async Task RepeatedParameter_IsInvalidRequest()
    {
        var response = await _flow.Http.PostAsync("token", new StringContent("grant_type=client_credentials&grant_type=client_credentials", Encoding.ASCII, "application/x-www-form-urlencoded"));

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task JsonBody_IsInvalidRequest()
    {
        var response = await _flow.Http.PostAsync("token", new StringContent("{\"grant_type\":\"client_credentials\"}", Encoding.UTF8, "application/json"));

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task UnknownClient_IsInvalidClient()
    {
        var response = await _flow.PostTokenAsync([("grant_type", "client_credentials")], ("nobody", "secret"));

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task BasicAndPostSecretTogether_IsInvalidRequest()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync();

        var response = await _flow.PostTokenAsync([("grant_type", "client_credentials"), ("client_secret", secret)], (client.ClientId, secret));

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task GrantTheClientMayNotUse_IsUnauthorizedClient()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync(grants: ["authorization_code"]);

        var response = await _flow.PostTokenAsync([("grant_type", "client_credentials")], (client.ClientId, secret));

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "unauthorized_client");
    }
}

public sealed class LocalHostTokenEndpointRequestContractTests(LocalHostFixture fixture) : TokenEndpointRequestContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerTokenEndpointRequestContractTests(FunctionsWorkerFixture fixture) : TokenEndpointRequestContractTests<FunctionsWorkerFixture>(fixture);
