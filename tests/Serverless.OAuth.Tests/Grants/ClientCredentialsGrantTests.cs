using Microsoft.Extensions.Primitives;
using Moq;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Protocol;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Grants;

/// <summary>
/// The client_credentials grant remembers the API and scope it chose for a client (so the RFC 8707 rules do not run
/// for every token), and the remembered choice never outlives what it was made from: the client object, the API
/// catalog, the request's scope and resource.
/// </summary>
public sealed class ClientCredentialsGrantTests : IDisposable
{
    private static readonly ApiResource Orders = new()
    {
        Identifier = "https://orders.example.com",
        Name = "Orders",
        Scopes = [new ApiScope("orders.read", "Read orders")],
    };

    private static readonly ApiResource Invoices = new()
    {
        Identifier = "https://invoices.example.com",
        Name = "Invoices",
        Scopes = [new ApiScope("invoices.read", "Read invoices")],
    };

    private readonly AsymmetricSigningKey _key = AsymmetricSigningKey.Create("ES256");
    private readonly Mock<IApiStore> _apis = new();
    private readonly ClientCredentialsGrant _grant;
    private ApiCatalog _catalog = new([Orders, Invoices]);

    public ClientCredentialsGrantTests()
    {
        _apis.Setup(a => a.GetCatalogAsync(It.IsAny<CancellationToken>())).ReturnsAsync(() => _catalog);
        var keys = new Mock<ISigningKeyProvider>();
        keys.Setup(k => k.GetSigningKeyAsync(It.IsAny<CancellationToken>())).ReturnsAsync(_key);
        var clock = new ManualClock(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
        _grant = new ClientCredentialsGrant(new AccessTokenIssuer(keys.Object, new OAuthServerOptions { Issuer = "https://issuer.example" }, clock), _apis.Object);
    }

    public void Dispose() => _key.Dispose();

    private static OAuthClient Client(params string[] scopes) => new()
    {
        ClientId = "service",
        Name = "Service",
        Type = ClientType.Confidential,
        AllowedScopes = scopes,
        AllowedGrantTypes = [GrantTypes.ClientCredentials],
    };

    private Task<OAuthResult<TokenResponse>> IssueAsync(OAuthClient client, string? scope, params string[] resource) =>
        _grant.IssueAsync(client, OAuthParameters.From([new("scope", scope), new KeyValuePair<string, StringValues>("resource", resource)]), null, default);

    [Fact]
    public async Task TheSameRequestAgain_GetsTheSameApiAndScope()
    {
        var client = Client("orders.read", "invoices.read");

        var first = await IssueAsync(client, "invoices.read");
        var second = await IssueAsync(client, "invoices.read");

        Assert.Equal((Invoices.Identifier, "invoices.read"), (first.Value!.Audience, first.Value.Scope));
        Assert.Equal((Invoices.Identifier, "invoices.read"), (second.Value!.Audience, second.Value.Scope));
        Assert.NotEqual(first.Value.AccessToken, second.Value.AccessToken);
    }

    [Fact]
    public async Task AnotherScopeOrResource_IsChosenByTheRulesAgain()
    {
        var client = Client("orders.read", "invoices.read");
        Assert.Equal(Invoices.Identifier, (await IssueAsync(client, "invoices.read")).Value!.Audience);

        Assert.Equal(Orders.Identifier, (await IssueAsync(client, "orders.read")).Value!.Audience);
        Assert.Equal(OAuthErrorCodes.InvalidTarget, (await IssueAsync(client, "orders.read", Invoices.Identifier)).Error!.Error);
        Assert.False((await IssueAsync(client, "orders.write")).Succeeded);
    }

    [Fact]
    public async Task ARepeatedResource_IsRefused_AfterTheSameResourceOnceSucceeded()
    {
        var client = Client("orders.read");
        Assert.True((await IssueAsync(client, "orders.read", Orders.Identifier)).Succeeded);

        var repeated = await IssueAsync(client, "orders.read", Orders.Identifier, Orders.Identifier);

        Assert.Equal(OAuthErrorCodes.InvalidTarget, repeated.Error!.Error);
    }

    [Fact]
    public async Task ANewCatalog_IsAskedAgain_AnApiThatNoLongerAllowsTheClientRefusesIt()
    {
        var client = Client("orders.read");
        Assert.True((await IssueAsync(client, "orders.read")).Succeeded);

        _catalog = new([Orders with { AllowedClients = ["someone-else"] }, Invoices]);
        var after = await IssueAsync(client, "orders.read");

        Assert.False(after.Succeeded);
    }

    [Fact]
    public async Task TheClientReadAgain_IsAskedAgain_AScopeItLostIsRefused()
    {
        Assert.True((await IssueAsync(Client("orders.read", "invoices.read"), "orders.read")).Succeeded);

        var narrowed = await IssueAsync(Client("invoices.read"), "orders.read");

        Assert.False(narrowed.Succeeded);
    }
}
