using System.Text;
using Microsoft.Extensions.Primitives;
using Moq;
using Serverless.OAuth.Tests.Clients.Registration;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Tests.Endpoints.Validation;

/// <summary>The one reading of /token, /revoke and /introspect: structure, then the endpoint's own checks, then the client.</summary>
public sealed class BackChannelRequestReaderTests
{
    private const string Secret = "s3cret";
    private readonly Mock<IClientStore> _clients = new();
    private readonly Mock<ILockout> _lockout = new();

    public BackChannelRequestReaderTests()
    {
        _clients.Setup(c => c.FindAsync("conf", It.IsAny<CancellationToken>())).ReturnsAsync(new OAuthClient
        {
            ClientId = "conf", Name = "C", Type = ClientType.Confidential, SecretHash = ClientSecretVerifier.HashSecret(Secret),
        });
        _lockout.Setup(l => l.AttemptAsync(It.IsAny<IReadOnlyList<LockoutKey>>(), It.IsAny<Func<CancellationToken, Task<OAuthClient?>>>(), It.IsAny<CancellationToken>()))
            .Returns(async (IReadOnlyList<LockoutKey> _, Func<CancellationToken, Task<OAuthClient?>> check, CancellationToken token) =>
                new LockoutAttempt<OAuthClient>(await check(token), null, null, Checked: true));
    }

    private BackChannelRequestReader Reader() =>
        new(new ClientAuthenticator(Directories.Over(_clients.Object), new ClientSecretVerifier(new OAuthServerOptions(), TimeProvider.System), _lockout.Object));

    private static string Basic(string id, string secret) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(id + ":" + secret));

    private static OAuthParameters Repeated(string name) =>
        OAuthParameters.From([new KeyValuePair<string, StringValues>(name, new StringValues(["a", "b"]))]);

    [Fact]
    public async Task AWellFormedRequestOfAnAuthenticClient_IsRead_WithItsForm()
    {
        var form = OAuthParameters.From(("token", "t"));

        var read = await Reader().ReadAsync(Basic("conf", Secret), form, null, null, default);

        Assert.True(read.Succeeded);
        Assert.Equal("conf", read.Value.Client.ClientId);
        Assert.Same(form, read.Value.Form);
    }

    [Fact]
    public async Task ARepeatedParameter_WinsOverTheEndpointsCheck_AndNoClientIsLookedUp()
    {
        var read = await Reader().ReadAsync(Basic("conf", "wrong"), Repeated("token"), null, _ => OAuthError.UnsupportedGrantType("no"), default);

        Assert.Equal(OAuthErrorCodes.InvalidRequest, read.Error?.Error);
        Assert.Contains("'token' parameter is repeated", read.Error?.Description);
        _clients.Verify(c => c.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task TheEndpointsCheck_AnswersBeforeTheClientIsAuthenticated()
    {
        var read = await Reader().ReadAsync(Basic("conf", "wrong"), OAuthParameters.Empty, null, _ => OAuthError.UnsupportedGrantType("no"), default);

        Assert.Equal(OAuthErrorCodes.UnsupportedGrantType, read.Error?.Error);
        _clients.Verify(c => c.FindAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ARepeatedAuthorizationHeader_IsInvalidRequest_EvenWhenBothValuesAreRight()
    {
        var read = await Reader().ReadAsync(new StringValues([Basic("conf", Secret), Basic("conf", Secret)]), OAuthParameters.Empty, null, null, default);

        Assert.Equal(OAuthErrorCodes.InvalidRequest, read.Error?.Error);
        Assert.Equal("The Authorization header was sent more than once.", read.Error?.Description);
    }

    [Fact]
    public async Task AWrongSecret_IsInvalidClient()
    {
        var read = await Reader().ReadAsync(Basic("conf", "wrong"), OAuthParameters.Empty, null, null, default);

        Assert.Equal(OAuthErrorCodes.InvalidClient, read.Error?.Error);
    }
}
