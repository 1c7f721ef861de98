using Serverless.OAuth.Clients;
using Serverless.OAuth.Options;
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
}
