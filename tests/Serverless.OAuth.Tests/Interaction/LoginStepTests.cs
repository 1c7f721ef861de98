using Moq;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Identity.Users;

namespace Serverless.OAuth.Tests.Interaction;

public sealed class LoginStepTests
{
    private static readonly OAuthUser Alice = new("alice", "sub-alice", "hash", null);
    private readonly Mock<IUserStore> _users = new();
    private readonly Mock<ILockout> _lockout = new();
    private readonly AuditLog<LoginStep> _audit = new();
    private IReadOnlyList<LockoutKey>? _keys;

    public LoginStepTests()
    {
        _users.Setup(u => u.FindAsync("Alice", It.IsAny<CancellationToken>())).ReturnsAsync(Alice);
        _users.Setup(u => u.VerifyPassword(Alice, "right")).Returns(Alice);
        _users.Setup(u => u.VerifyPassword(Alice, "wrong")).Returns((OAuthUser?)null);
        _lockout.Setup(l => l.AttemptAsync(It.IsAny<IReadOnlyList<LockoutKey>>(), It.IsAny<Func<CancellationToken, Task<OAuthUser?>>>(), It.IsAny<CancellationToken>()))
            .Returns(async (IReadOnlyList<LockoutKey> keys, Func<CancellationToken, Task<OAuthUser?>> check, CancellationToken token) =>
            {
                _keys = keys;
                return new LockoutAttempt<OAuthUser>(await check(token), null, null, Checked: true);
            });
    }

    // The password steps never touch the session store (the integration tests cover sessions against Azurite).
    private LoginStep Step() => new(_users.Object, _lockout.Object, new SessionStore(Mock.Of<OAuthTables>(), new ExpiryIndex(Mock.Of<OAuthTables>()), new OAuthServerOptions(), TimeProvider.System), TimeProvider.System, _audit);

    private void Refuse(string kind, TimeSpan wait) =>
        _lockout.Setup(l => l.AttemptAsync(It.IsAny<IReadOnlyList<LockoutKey>>(), It.IsAny<Func<CancellationToken, Task<OAuthUser?>>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyList<LockoutKey> keys, Func<CancellationToken, Task<OAuthUser?>> _, CancellationToken _) =>
                new LockoutAttempt<OAuthUser>(null, keys.Single(k => k.Kind == kind), wait, Checked: false));

    [Fact]
    public async Task TheRightPassword_SignsIn_UnderTheAccountAndTheAddress()
    {
        var signIn = await Step().SignInAsync("app", "Alice", "right", "203.0.113.7", default);

        Assert.Equal(Alice, signIn.User);
        Assert.Null(signIn.Problem);
        Assert.Equal(["user:alice", "address:203.0.113.7"], _keys!.Select(k => k.Partition));
        Assert.Equal([EventIds.SignInSucceeded], _audit.EventIds);
    }

    [Fact]
    public async Task AWrongPassword_SaysTheSameAsAnUnknownUser()
    {
        var signIn = await Step().SignInAsync("app", "Alice", "wrong", null, default);

        Assert.Null(signIn.User);
        Assert.Equal("The username or password is incorrect.", signIn.Problem);
        Assert.Equal(["user:alice"], _keys!.Select(k => k.Partition));
        Assert.Equal([EventIds.SignInFailed], _audit.EventIds);
    }

    [Theory]
    [InlineData(null, "x")]
    [InlineData("Alice", null)]
    public async Task AMissingCredential_FailsWithoutAskingTheUserStore_ButIsStillCounted(string? username, string? password)
    {
        var signIn = await Step().SignInAsync("app", username, password, "203.0.113.7", default);

        Assert.Null(signIn.User);
        Assert.Equal("The username or password is incorrect.", signIn.Problem);
        Assert.Contains(_keys!, k => k.Kind == LockoutKey.Address);
        _users.Verify(u => u.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never());
        _users.Verify(u => u.VerifyPassword(It.IsAny<OAuthUser?>(), It.IsAny<string>()), Times.Never());
    }

    [Fact]
    public async Task AMalformedUsername_IsAskedOfTheUserStoreLikeAnyUnknownOne_FailsTheSame_AndIsCounted()
    {
        // Not refused before the store: to the store it is one more unknown user, answered as any other.
        var signIn = await Step().SignInAsync("app", "not a username!", "right", "203.0.113.7", default);

        Assert.Null(signIn.User);
        Assert.Equal("The username or password is incorrect.", signIn.Problem);
        Assert.Contains(_keys!, k => k.Kind == LockoutKey.Address);
        _users.Verify(u => u.FindAsync("not a username!", It.IsAny<CancellationToken>()), Times.Once());
        _users.Verify(u => u.VerifyPassword(null, "right"), Times.Once());
    }

    [Fact]
    public async Task ACheckThatWaitedTooLongForOthersInFlight_AsksToTryAgain_WithoutBlamingThePassword()
    {
        _lockout.Setup(l => l.AttemptAsync(It.IsAny<IReadOnlyList<LockoutKey>>(), It.IsAny<Func<CancellationToken, Task<OAuthUser?>>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IReadOnlyList<LockoutKey> keys, Func<CancellationToken, Task<OAuthUser?>> _, CancellationToken _) =>
                new LockoutAttempt<OAuthUser>(null, keys[0], null, Checked: false, Busy: true));

        var signIn = await Step().SignInAsync("app", "Alice", "right", "203.0.113.7", default);

        Assert.Null(signIn.User);
        Assert.Equal("Too many sign-ins are being checked at once. Please try again.", signIn.Problem);
    }

    [Fact]
    public void AnIdTokenHintForAnotherUser_RefusesTheUserWhoSignedIn_OneForTheSameUserOrNoneDoesNot()
    {
        var client = new Serverless.OAuth.Clients.OAuthClient { ClientId = "app", Name = "App", Type = Serverless.OAuth.Clients.ClientType.Public };
        var request = new Serverless.OAuth.Endpoints.Validation.AuthorizationRequest(client, "http://127.0.0.1/cb", Serverless.OAuth.Protocol.ScopeSet.Empty, null, null, []);
        Serverless.OAuth.Endpoints.Validation.AuthorizationRequest For(string subject) =>
            request with { IdTokenHint = new Serverless.OAuth.Grants.Tokens.IdTokenHint("raw", subject, ["app"], "sid") };

        Assert.NotNull(LoginStep.NotTheHintedUser(For("sub-bob"), Alice));
        Assert.Null(LoginStep.NotTheHintedUser(For(Alice.Subject), Alice));
        Assert.Null(LoginStep.NotTheHintedUser(request, Alice));
    }

    [Fact]
    public async Task ALockedAccount_SaysHowLongToWait_InWholeMinutes()
    {
        Refuse(LockoutKey.User, TimeSpan.FromSeconds(61));

        var signIn = await Step().SignInAsync("app", "Alice", "right", "203.0.113.7", default);

        Assert.Null(signIn.User);
        Assert.Equal("Too many failed sign-ins. Try again in 2 minute(s).", signIn.Problem);
        Assert.Equal([EventIds.SignInLockedOut], _audit.EventIds);
        // The user's row may be read alongside the reservations (no guess), but no password is checked.
        _users.Verify(u => u.VerifyPassword(It.IsAny<OAuthUser?>(), It.IsAny<string>()), Times.Never());
    }

    [Fact]
    public async Task ALockedAddress_BlamesTheNetwork_AndWaitsAtLeastAMinute()
    {
        Refuse(LockoutKey.Address, TimeSpan.FromSeconds(5));

        var signIn = await Step().SignInAsync("app", "Alice", "right", "203.0.113.7", default);

        Assert.Equal("Too many failed sign-ins from your network. Try again in 1 minute(s).", signIn.Problem);
        Assert.Equal([EventIds.SignInLockedOut], _audit.EventIds);
    }
}
