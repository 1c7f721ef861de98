using System.Net;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.IntegrationTests;

/// <summary>Guarantees under concurrency: single-use codes, one live refresh family, and purges that never lose a live row.</summary>
public sealed class ConcurrencyTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";

    private async Task<(string ClientId, string RefreshToken)> SignInAsync(string clientId, string username)
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(clientId, Redirect, username, challenge);
        var (_, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", clientId), ("code_verifier", verifier)]));
        return (clientId, refreshToken!);
    }

    [Fact]
    public async Task FiftyConcurrentRedemptionsOfOneCode_ExactlyOneToken()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)])));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
    }

    [Fact]
    public async Task FiftyConcurrentRefreshesOfOneToken_OneLiveFamily()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var (_, refreshToken) = await SignInAsync(client.ClientId, user.Username);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", client.ClientId)])));

        var successors = new HashSet<string>();
        foreach (var response in responses.Where(r => r.StatusCode == HttpStatusCode.OK))
        {
            successors.Add((await TokenSupport.ReadTokenResponseAsync(response)).RefreshToken!);
        }

        var successor = Assert.Single(successors);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", successor), ("client_id", client.ClientId)]));
    }

    [Fact]
    public async Task PurgesRunningDuringRotations_NeverLoseALiveRow()
    {
        var client = await Server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await Server.AddUserAsync();
        var families = new List<(string ClientId, string RefreshToken)>();
        for (var i = 0; i < 12; i++)
        {
            families.Add(await SignInAsync(client.ClientId, user.Username));
        }

        // The codes' index entries are due now: the purges visit the very partitions being rotated.
        Server.Clock.Advance(TimeSpan.FromMinutes(3));
        var purge = Server.Get<ExpiryPurge>();
        var purges = Enumerable.Range(0, 3).Select(_ => Task.Run(() => purge.RunAsync()));
        var rotations = families.Select(f => Flow.PostTokenAsync(
            [("grant_type", "refresh_token"), ("refresh_token", f.RefreshToken), ("client_id", f.ClientId)]));
        var responses = await Task.WhenAll(rotations);
        await Task.WhenAll(purges);

        // Every rotation succeeded, and every successor is still there and rotates again.
        foreach (var response in responses)
        {
            var (_, successor, _) = await TokenSupport.ReadTokenResponseAsync(response);
            await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync(
                [("grant_type", "refresh_token"), ("refresh_token", successor!), ("client_id", client.ClientId)]));
        }

        // And a later purge, after every row has expired, leaves nothing of these families behind.
        Server.Clock.Advance(TimeSpan.FromDays(31));
        await purge.RunAsync();
        var second = await purge.RunAsync();
        Assert.Equal(0, second.RowsDeleted);
    }
}
