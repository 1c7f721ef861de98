using System.Net;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// An access token past its expiry (and the validator's 30 s clock skew) is refused by the resource with RFC 6750's
/// invalid_token, on both hosts. The worker's clock is moved through its test clock (FunctionsWorkerServer), not waited on.
/// </summary>
public abstract class TokenExpiryContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private static readonly TimeSpan ValidatorClockSkew = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AnExpiredAccessToken_IsInvalidToken_AtTheResource()
    {
        var server = fixture.Server;
        var (client, secret) = await server.AddConfidentialClientAsync();
        var flow = new OAuthFlow(server);
        var (accessToken, _, body) = await TokenSupport.ReadTokenResponseAsync(
            await flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", "read")], (client.ClientId, secret)));
        Assert.Equal((int)ShortLivedTokens.Lifetime.TotalSeconds, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await flow.GetResourceAsync(accessToken)).StatusCode);

        await server.PassTimeAsync(ShortLivedTokens.Lifetime + ValidatorClockSkew + TimeSpan.FromSeconds(1));

        var response = await flow.GetResourceAsync(accessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
    }
}

public sealed class LocalHostTokenExpiryTests(ShortLivedTokensLocalHostFixture fixture) : TokenExpiryContractTests<ShortLivedTokensLocalHostFixture>(fixture);

public sealed class FunctionsWorkerTokenExpiryTests(ShortLivedTokensFunctionsWorkerFixture fixture) : TokenExpiryContractTests<ShortLivedTokensFunctionsWorkerFixture>(fixture);
