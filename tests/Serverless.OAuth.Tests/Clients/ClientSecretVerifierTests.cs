using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Clients;

public sealed class ClientSecretVerifierTests
{
    private static OAuthClient Client(string secret) => new()
    {
        ClientId = "c", Name = "C", Type = ClientType.Confidential, SecretHash = ClientSecretVerifier.HashSecret(secret),
    };

    [Fact]
    public void HashSecret_IsAPasswordHash_NotTheSecret()
    {
        var hash = ClientSecretVerifier.HashSecret("the-secret");

        Assert.DoesNotContain("the-secret", hash);
        Assert.NotEqual(hash, ClientSecretVerifier.HashSecret("the-secret")); // salted
    }

    [Fact]
    public void RememberedSecret_IsForgottenWhenTheStoredHashChanges()
    {
        var verifier = new ClientSecretVerifier(new OAuthServerOptions(), new ManualClock());
        Assert.True(verifier.Verify(Client("old"), "old"));

        // The secret was rotated: the old one must not pass on the strength of the cache.
        Assert.False(verifier.Verify(Client("new"), "old"));
        Assert.True(verifier.Verify(Client("new"), "new"));
    }

    [Fact]
    public void ClientWithoutASecretHash_NeverVerifies()
    {
        var verifier = new ClientSecretVerifier(new OAuthServerOptions(), TimeProvider.System);

        Assert.False(verifier.Verify(new OAuthClient { ClientId = "p", Name = "P", Type = ClientType.Public }, ""));
    }

    /// <summary>Counts the PBKDF2 runs, each held open until the test lets them finish.</summary>
    private sealed class GatedVerifier(OAuthServerOptions options, TimeProvider clock) : ClientSecretVerifier(options, clock)
    {
        public readonly ManualResetEventSlim Gate = new(false);
        public int Runs;

        public override bool Verify(OAuthClient client, string presentedSecret)
        {
            Interlocked.Increment(ref Runs);
            Gate.Wait(TimeSpan.FromSeconds(10));
            return base.Verify(client, presentedSecret);
        }
    }

    [Fact]
    public async Task ABurstOfTheSameSecret_RunsPbkdf2Once_AndADifferentSecretIsCheckedOnItsOwn()
    {
        var verifier = new GatedVerifier(new OAuthServerOptions(), new ManualClock());
        var client = Client("right");

        var burst = Enumerable.Range(0, 16).Select(_ => verifier.VerifyAsync(client, "right")).ToArray();
        var wrong = verifier.VerifyAsync(client, "wrong");
        verifier.Gate.Set();

        Assert.All(await Task.WhenAll(burst), Assert.True);
        Assert.False(await wrong);
        Assert.Equal(2, verifier.Runs);
        Assert.True(await verifier.VerifyAsync(client, "right")); // remembered now: no further run
        Assert.Equal(2, verifier.Runs);
    }
}
