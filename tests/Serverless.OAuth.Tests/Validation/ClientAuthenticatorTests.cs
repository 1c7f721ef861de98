using System.Text;
using Moq;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Lockout;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Tests.Validation;

public sealed class ClientAuthenticatorTests
{
    private const string Secret = "s3cret with spaces:and+plus";
    private static readonly string SecretHash = ClientSecretVerifier.HashSecret(Secret);
    private readonly Mock<ClientStore> _clients = new();
    private readonly Mock<FailedAttemptLockout> _lockout = new();

    public ClientAuthenticatorTests()
    {
        _clients.Setup(c => c.FindAsync("conf", It.IsAny<CancellationToken>())).ReturnsAsync(new OAuthClient
        {
            ClientId = "conf", Name = "C", Type = ClientType.Confidential, SecretHash = SecretHash,
        });
        _clients.Setup(c => c.FindAsync("pub", It.IsAny<CancellationToken>())).ReturnsAsync(new OAuthClient
        {
            ClientId = "pub", Name = "P", Type = ClientType.Public,
        });
        _lockout.Setup(l => l.CheckAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string key, CancellationToken _) => new LockoutStatus(key, null, null));
    }

    private ClientAuthenticator Authenticator() => new(_clients.Object, new ClientSecretVerifier(new OAuthServerOptions(), TimeProvider.System), _lockout.Object);

    private static string Basic(string id, string secret) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(id) + ":" + Uri.EscapeDataString(secret)));

    [Fact]
    public async Task ClientSecretBasic_WithFormEncodedSecret_Authenticates()
    {
        var (client, error) = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, default);

        Assert.Null(error);
        Assert.Equal("conf", client!.ClientId);
    }

    [Fact]
    public async Task ClientSecretPost_Authenticates()
    {
        var (client, _) = await Authenticator().AuthenticateAsync(null, OAuthParameters.From(("client_id", "conf"), ("client_secret", Secret)), default);

        Assert.Equal("conf", client!.ClientId);
    }

    [Fact]
    public async Task WrongSecret_IsInvalidClient_EvenAfterARightOneWasRemembered()
    {
        var authenticator = Authenticator();
        await authenticator.AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, default);

        var (client, error) = await authenticator.AuthenticateAsync(Basic("conf", Secret + "x"), OAuthParameters.Empty, default);

        Assert.Null(client);
        Assert.Equal("invalid_client", error!.Error);
    }

    [Fact]
    public async Task PublicClient_AuthenticatesWithClientIdAlone_ButNotWithASecret()
    {
        var ok = await Authenticator().AuthenticateAsync(null, OAuthParameters.From(("client_id", "pub")), default);
        var withSecret = await Authenticator().AuthenticateAsync(null, OAuthParameters.From(("client_id", "pub"), ("client_secret", "x")), default);

        Assert.Equal("pub", ok.Client!.ClientId);
        Assert.Equal("invalid_client", withSecret.Error!.Error);
    }

    [Theory]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Basic Y29uZg==")] // "conf" without a colon
    [InlineData("Bearer abc")]
    public async Task MalformedAuthorizationHeader_IsInvalidClient(string header)
    {
        var (_, error) = await Authenticator().AuthenticateAsync(header, OAuthParameters.Empty, default);

        Assert.Equal("invalid_client", error!.Error);
    }

    [Fact]
    public async Task LockedClient_IsRefusedWithoutCheckingTheSecret_UnlessTheSecretWasVerifiedRecently()
    {
        var authenticator = Authenticator();
        await authenticator.AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, default); // remembered now
        _lockout.Setup(l => l.CheckAsync("c:conf", It.IsAny<CancellationToken>())).ReturnsAsync(new LockoutStatus("c:conf", TimeSpan.FromMinutes(5), null));

        var remembered = await authenticator.AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, default);
        var fresh = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, default);

        Assert.Equal("conf", remembered.Client!.ClientId);
        Assert.Equal("invalid_client", fresh.Error!.Error);
    }

    [Fact]
    public async Task WrongSecret_IsCountedAsAFailure()
    {
        await Authenticator().AuthenticateAsync(Basic("conf", "wrong"), OAuthParameters.Empty, default);

        _lockout.Verify(l => l.RecordFailureAsync("c:conf", It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task TwoMethodsAtOnce_IsInvalidRequest()
    {
        var (_, error) = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.From(("client_secret", Secret)), default);

        Assert.Equal("invalid_request", error!.Error);
    }

    [Fact]
    public async Task ClientIdInTheBodyDifferentFromBasic_IsInvalidRequest()
    {
        var (_, error) = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.From(("client_id", "pub")), default);

        Assert.Equal("invalid_request", error!.Error);
    }
}
