using System.Text;
using Moq;
using Serverless.OAuth.Tests.Clients.Registration;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Tests.Endpoints.Validation;

public sealed class ClientAuthenticatorTests
{
    private const string Secret = "s3cret with spaces:and+plus";
    private static readonly string SecretHash = ClientSecretVerifier.HashSecret(Secret);
    private readonly Mock<IClientStore> _clients = new();
    private readonly Mock<ILockout> _lockout = new();

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
        LetEveryAttemptThrough();
    }

    /// <summary>The lockout grants every reservation: the check runs, and its answer is the attempt's.</summary>
    private void LetEveryAttemptThrough() =>
        _lockout.Setup(l => l.AttemptAsync(It.IsAny<IReadOnlyList<LockoutKey>>(), It.IsAny<Func<CancellationToken, Task<OAuthClient?>>>(), It.IsAny<CancellationToken>()))
            .Returns(async (IReadOnlyList<LockoutKey> _, Func<CancellationToken, Task<OAuthClient?>> check, CancellationToken token) =>
                new LockoutAttempt<OAuthClient>(await check(token), null, null, Checked: true));

    private void Refuse(string kind) =>
        _lockout.Setup(l => l.AttemptAsync(It.IsAny<IReadOnlyList<LockoutKey>>(), It.IsAny<Func<CancellationToken, Task<OAuthClient?>>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyList<LockoutKey> keys, Func<CancellationToken, Task<OAuthClient?>> _, CancellationToken _) =>
                new LockoutAttempt<OAuthClient>(null, keys.Single(k => k.Kind == kind), TimeSpan.FromMinutes(5), Checked: false));

    private ClientAuthenticator Authenticator() => new(Directories.Over(_clients.Object), new ClientSecretVerifier(new OAuthServerOptions(), TimeProvider.System), _lockout.Object);

    private static string Basic(string id, string secret) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(id) + ":" + Uri.EscapeDataString(secret)));

    [Fact]
    public async Task ClientSecretBasic_WithFormEncodedSecret_Authenticates()
    {
        var (client, error) = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, null, default);

        Assert.Null(error);
        Assert.Equal("conf", client!.ClientId);
    }

    [Fact]
    public async Task ClientSecretPost_Authenticates()
    {
        var (client, _) = await Authenticator().AuthenticateAsync(null, OAuthParameters.From(("client_id", "conf"), ("client_secret", Secret)), null, default);

        Assert.Equal("conf", client!.ClientId);
    }

    [Fact]
    public async Task WrongSecret_IsInvalidClient_EvenAfterARightOneWasRemembered()
    {
        var authenticator = Authenticator();
        await authenticator.AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, null, default);

        var (client, error) = await authenticator.AuthenticateAsync(Basic("conf", Secret + "x"), OAuthParameters.Empty, null, default);

        Assert.Null(client);
        Assert.Equal("invalid_client", error!.Error);
    }

    [Fact]
    public async Task PublicClient_AuthenticatesWithClientIdAlone_ButNotWithASecret()
    {
        var ok = await Authenticator().AuthenticateAsync(null, OAuthParameters.From(("client_id", "pub")), null, default);
        var withSecret = await Authenticator().AuthenticateAsync(null, OAuthParameters.From(("client_id", "pub"), ("client_secret", "x")), null, default);

        Assert.Equal("pub", ok.Value!.ClientId);
        Assert.Equal("invalid_client", withSecret.Error!.Error);
    }

    [Theory]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Basic Y29uZg==")] // "conf" without a colon
    [InlineData("Bearer abc")]
    public async Task MalformedAuthorizationHeader_IsInvalidClient(string header)
    {
        var (_, error) = await Authenticator().AuthenticateAsync(header, OAuthParameters.Empty, null, default);

        Assert.Equal("invalid_client", error!.Error);
    }

    [Fact]
    public async Task AThrottledAddress_IsRefusedWithoutCheckingTheSecret_UnlessTheSecretWasVerifiedRecently()
    {
        var authenticator = Authenticator();
        await authenticator.AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, "203.0.113.7", default); // remembered now
        Refuse(LockoutKey.Address);

        var remembered = await authenticator.AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, "203.0.113.7", default);
        var fresh = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, "203.0.113.7", default);

        Assert.Equal("conf", remembered.Value!.ClientId);
        Assert.Equal(429, fresh.Error!.HttpStatus);
    }

    [Fact]
    public async Task ASecretCheck_IsThrottledUnderTheAddressOnly_NeverLockedByClientId()
    {
        await Authenticator().AuthenticateAsync(Basic("conf", "wrong"), OAuthParameters.Empty, "203.0.113.7", default);
        await Authenticator().AuthenticateAsync(Basic("conf", "wrong"), OAuthParameters.Empty, null, default);

        _lockout.Verify(l => l.AttemptAsync(
            It.Is<IReadOnlyList<LockoutKey>>(keys => keys.Select(k => k.Partition).SequenceEqual(new[] { "address:203.0.113.7" })),
            It.IsAny<Func<CancellationToken, Task<OAuthClient?>>>(),
            It.IsAny<CancellationToken>()), Times.Once);
        _lockout.Verify(l => l.AttemptAsync(
            It.Is<IReadOnlyList<LockoutKey>>(keys => keys.Select(k => k.Partition).SequenceEqual(new[] { "address:unknown" })),
            It.IsAny<Func<CancellationToken, Task<OAuthClient?>>>(),
            It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ACheckThatWaitedTooLongForChecksInFlight_IsTemporarilyUnavailable_NotAFailure()
    {
        _lockout.Setup(l => l.AttemptAsync(It.IsAny<IReadOnlyList<LockoutKey>>(), It.IsAny<Func<CancellationToken, Task<OAuthClient?>>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyList<LockoutKey> keys, Func<CancellationToken, Task<OAuthClient?>> _, CancellationToken _) =>
                new LockoutAttempt<OAuthClient>(null, keys[0], null, Checked: false, Busy: true));

        var (_, error) = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, "203.0.113.7", default);

        Assert.Equal("temporarily_unavailable", error!.Error);
        Assert.Equal(503, error.HttpStatus);
    }

    [Fact]
    public async Task AThrottledAddress_Gets429TooManyAttempts_NotInvalidClient()
    {
        Refuse(LockoutKey.Address);

        var (client, error) = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.Empty, "203.0.113.7", default);

        Assert.Null(client);
        Assert.Equal(TimeSpan.FromMinutes(5), error!.RetryAfter);
        Assert.Equal(429, error.HttpStatus);
    }

    [Fact]
    public async Task TwoMethodsAtOnce_IsInvalidRequest()
    {
        var (_, error) = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.From(("client_secret", Secret)), null, default);

        Assert.Equal("invalid_request", error!.Error);
    }

    [Fact]
    public async Task ClientIdInTheBodyDifferentFromBasic_IsInvalidRequest()
    {
        var (_, error) = await Authenticator().AuthenticateAsync(Basic("conf", Secret), OAuthParameters.From(("client_id", "pub")), null, default);

        Assert.Equal("invalid_request", error!.Error);
    }

    [Fact]
    public async Task BasicWithAnEmptyPassword_IsNoSecret_EnoughForAPublicClient_NotForAConfidentialOne()
    {
        _clients.Setup(c => c.FindAsync("pub", It.IsAny<CancellationToken>())).ReturnsAsync(new OAuthClient { ClientId = "pub", Name = "P", Type = ClientType.Public });

        var (publicClient, _) = await Authenticator().AuthenticateAsync(Basic("pub", ""), OAuthParameters.Empty, null, default);
        var (confidential, error) = await Authenticator().AuthenticateAsync(Basic("conf", ""), OAuthParameters.Empty, null, default);

        Assert.Equal("pub", publicClient?.ClientId);
        Assert.Null(confidential);
        Assert.Equal("invalid_client", error!.Error);
    }
}
