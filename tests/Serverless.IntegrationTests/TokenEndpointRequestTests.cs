using System.Net;
using System.Text;

namespace Serverless.IntegrationTests;

/// <summary>Request-level rules of POST /token (RFC 6749 §3.2, §5.2).</summary>
public sealed class TokenEndpointRequestTests : IAsyncLifetime
{
    private LocalServer _server = null!;
    private OAuthFlow _flow = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync();
        _flow = new OAuthFlow(_server);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

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

    [Fact]
    public async Task RepeatedAuthorizationHeader_IsInvalidRequest_SayingSo()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync();
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(client.ClientId) + ":" + Uri.EscapeDataString(secret)));

        var (status, answer) = await _flow.SendRawAsync(
            "POST", "token", [("Authorization", basic), ("Authorization", basic), ("Content-Type", "application/x-www-form-urlencoded")], "grant_type=client_credentials");

        Assert.Equal(400, status);
        Assert.Contains("\"error\":\"invalid_request\"", answer);
        Assert.Contains("The Authorization header was sent more than once.", answer);
    }
}
