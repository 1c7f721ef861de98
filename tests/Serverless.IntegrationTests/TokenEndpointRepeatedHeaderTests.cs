using System.Text;

namespace Serverless.IntegrationTests;

/// <summary>
/// The local host only: a repeated Authorization header reaches the worker behind the host emulator folded into one
/// comma-joined value (the forwarding proxy combines the two fields), so there the server sees one malformed header
/// and answers 401 invalid_client instead of 400 invalid_request. Both refuse the request; only the local host can
/// tell that the header was repeated. The rest of POST /token's request rules run on both hosts
/// (<see cref="BothHosts.TokenEndpointRequestContractTests{TFixture}"/>).
/// </summary>
public sealed class TokenEndpointRepeatedHeaderTests : LocalServerTest
{
    [Fact]
    public async Task RepeatedAuthorizationHeader_IsInvalidRequest_SayingSo()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(client.ClientId) + ":" + Uri.EscapeDataString(secret)));

        var (status, answer) = await Flow.SendRawAsync(
            "POST", "token", [("Authorization", basic), ("Authorization", basic), ("Content-Type", "application/x-www-form-urlencoded")], "grant_type=client_credentials");

        Assert.Equal(400, status);
        Assert.Contains("\"error\":\"invalid_request\"", answer);
        Assert.Contains("The Authorization header was sent more than once.", answer);
    }
}
