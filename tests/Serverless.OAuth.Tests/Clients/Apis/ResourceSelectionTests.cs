using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Clients.Apis;

/// <summary>The RFC 8707 rules: which APIs an authorization covers, and which one API each token is for.</summary>
public sealed class ResourceSelectionTests
{
    private static readonly ApiResource Orders = new()
    {
        Identifier = "https://orders.example.com",
        Name = "Orders",
        Scopes = [new ApiScope("orders.read", "Read your orders"), new ApiScope("orders.write", "Place orders")],
    };

    private static readonly ApiResource Invoices = new()
    {
        Identifier = "https://invoices.example.com/api",
        Name = "Invoices",
        Scopes = [new ApiScope("invoices.read", "Read your invoices")],
    };

    private static readonly ApiResource Private = new()
    {
        Identifier = "https://private.example.com",
        Name = "Private",
        Scopes = [new ApiScope("private.read", "Read private data")],
        AllowedClients = ["someone-else"],
    };

    private static readonly ApiCatalog Apis = new([Orders, Invoices, Private]);
    private static readonly string[] ServerScopes = [ScopeSet.OfflineAccess];

    private static OAuthClient Client(string? defaultResource = null, params string[] scopes) => new()
    {
        ClientId = "app",
        Name = "App",
        Type = ClientType.Confidential,
        AllowedScopes = scopes.Length > 0 ? scopes : ["orders.read", "orders.write", "invoices.read", "private.read", ScopeSet.OfflineAccess],
        DefaultResource = defaultResource,
    };

    private static OAuthResult<AuthorizedResources> Authorize(OAuthClient client, string? scope, params string[] resources) =>
        ResourceSelection.ForAuthorization(Apis, client, resources, ScopeSet.Parse(scope)!, ServerScopes);

    private static OAuthResult<TokenTarget> Token(OAuthClient client, string[] granted, string grantedScope, string? requestedScope = null, params string[] resource) =>
        ResourceSelection.ForToken(Apis, client, OAuthParameters.From([new KeyValuePair<string, StringValues>("resource", resource)]), granted, ScopeSet.Parse(grantedScope)!, ScopeSet.Parse(requestedScope)!);

    [Fact]
    public void Authorize_SeveralResources_CoverTheirScopes()
    {
        var result = Authorize(Client(), "orders.read invoices.read offline_access", Orders.Identifier, Invoices.Identifier);

        Assert.True(result.Succeeded);
        Assert.Equal([Orders.Identifier, Invoices.Identifier], result.Value.Resources);
        Assert.Equal("orders.read invoices.read offline_access", result.Value.Scope.ToString());
    }

    [Fact]
    public void Authorize_WithoutResource_TheScopesSayWhichApis()
    {
        var result = Authorize(Client(), "invoices.read orders.write");

        Assert.Equal([Invoices.Identifier, Orders.Identifier], result.Value!.Resources);
    }

    [Fact]
    public void Authorize_AResourceWithoutScope_GetsTheClientsScopesOfThatApiOnly()
    {
        var result = Authorize(Client(), null, Invoices.Identifier);

        Assert.Equal("invoices.read offline_access", result.Value!.Scope.ToString());
        Assert.Equal([Invoices.Identifier], result.Value.Resources);
    }

    [Fact]
    public void Authorize_OnlyServerScopes_TakesTheClientsDefaultResource()
    {
        Assert.Equal([Invoices.Identifier], Authorize(Client(Invoices.Identifier), "offline_access").Value!.Resources);
        Assert.Equal([Orders.Identifier], Authorize(Client(null, "orders.read", "offline_access"), "offline_access").Value!.Resources);
        Assert.Empty(Authorize(Client(), "offline_access").Value!.Resources); // several APIs, no default: none chosen
    }

    [Theory]
    [InlineData("https://unknown.example.com", "not registered")]
    [InlineData("/relative", "absolute URI")]
    [InlineData("https://orders.example.com#fragment", "fragment")]
    [InlineData("https://user@orders.example.com", "user information")]
    [InlineData("https://private.example.com", "may not ask")]
    public void Authorize_ABadResource_IsInvalidTarget(string resource, string why)
    {
        var result = Authorize(Client(), "orders.read", resource);

        Assert.Equal(OAuthErrorCodes.InvalidTarget, result.Error!.Error);
        Assert.Contains(why, result.Error.Description);
    }

    [Fact]
    public void Authorize_AScopeOfAnotherResource_IsInvalidTarget()
    {
        var result = Authorize(Client(), "orders.read invoices.read", Orders.Identifier);

        Assert.Equal(OAuthErrorCodes.InvalidTarget, result.Error!.Error);
        Assert.Contains("invoices.read", result.Error.Description);
    }

    [Fact]
    public void Authorize_AScopeOfAnApiTheClientMayNotUse_IsInvalidScope() =>
        Assert.Equal(OAuthErrorCodes.InvalidScope, Authorize(Client(), "private.read").Error!.Error);

    [Fact]
    public void Token_NamesOneOfTheGrantsResources_AndGetsOnlyItsScopes()
    {
        var result = Token(Client(), [Orders.Identifier, Invoices.Identifier], "orders.read invoices.read offline_access", null, Invoices.Identifier);

        Assert.Same(Invoices, result.Value!.Api);
        Assert.Equal("invoices.read offline_access", result.Value.Scope);
    }

    [Fact]
    public void Token_WithoutResource_TakesTheOnlyOne_OrTheClientsDefault_OrAsks()
    {
        Assert.Same(Orders, Token(Client(), [Orders.Identifier], "orders.read").Value!.Api);
        Assert.Same(Invoices, Token(Client(Invoices.Identifier), [Orders.Identifier, Invoices.Identifier], "orders.read invoices.read").Value!.Api);

        var ambiguous = Token(Client(), [Orders.Identifier, Invoices.Identifier], "orders.read invoices.read");
        Assert.Equal(OAuthErrorCodes.InvalidTarget, ambiguous.Error!.Error);
    }

    [Fact]
    public void Token_TheRequestedScopeSaysWhichApi_WhenNoResourceIsNamed()
    {
        var result = Token(Client(), [Orders.Identifier, Invoices.Identifier], "orders.read orders.write invoices.read", "orders.write");

        Assert.Same(Orders, result.Value!.Api);
        Assert.Equal("orders.write", result.Value.Scope);
    }

    [Fact]
    public void Token_RepeatedResource_IsInvalidTarget()
    {
        var result = Token(Client(), [Orders.Identifier, Invoices.Identifier], "orders.read invoices.read", null, Orders.Identifier, Invoices.Identifier);

        Assert.Equal(OAuthErrorCodes.InvalidTarget, result.Error!.Error);
        Assert.Contains("one audience", result.Error.Description);
    }

    [Theory]
    [InlineData("https://invoices.example.com/api")] // registered, but not in this grant
    [InlineData("https://unknown.example.com")]
    [InlineData("relative/path")]
    [InlineData("https://orders.example.com#x")]
    public void Token_AResourceOutsideTheGrant_IsInvalidTarget(string resource) =>
        Assert.Equal(OAuthErrorCodes.InvalidTarget, Token(Client(), [Orders.Identifier], "orders.read", null, resource).Error!.Error);

    [Fact]
    public void Token_ScopeOfAnotherApi_IsInvalidTarget_AndScopeNotGranted_IsInvalidScope()
    {
        Assert.Equal(OAuthErrorCodes.InvalidTarget, Token(Client(), [Orders.Identifier, Invoices.Identifier], "orders.read invoices.read", "invoices.read", Orders.Identifier).Error!.Error);
        Assert.Equal(OAuthErrorCodes.InvalidScope, Token(Client(), [Orders.Identifier], "orders.read", "orders.write").Error!.Error);
    }

    [Fact]
    public void Token_AnApiThatNoLongerAllowsTheClient_IsNotAChoice() =>
        Assert.Equal(OAuthErrorCodes.InvalidTarget, Token(Client(), [Private.Identifier], "private.read").Error!.Error);

    [Fact]
    public void AClientWithItsOwnListOfApis_GetsTokensForThoseOnly_AndForUserInfo()
    {
        var client = Client() with { AllowedResources = [Orders.Identifier] };
        var userInfo = ApiCatalog.UserInfoOf("https://issuer.example.com");
        var apis = new ApiCatalog([Orders, Invoices], userInfo);

        Assert.Equal(OAuthErrorCodes.InvalidTarget, Authorize(client, "offline_access", Invoices.Identifier).Error!.Error);
        Assert.Equal(OAuthErrorCodes.InvalidScope, Authorize(client, "invoices.read").Error!.Error);
        Assert.Equal(OAuthErrorCodes.InvalidTarget, Token(client, [Orders.Identifier, Invoices.Identifier], "orders.read", null, Invoices.Identifier).Error!.Error);
        Assert.Equal(Orders, Token(client, [Orders.Identifier, Invoices.Identifier], "orders.read").Value!.Api); // the only one left
        Assert.Equal([userInfo.Identifier], ResourceSelection.ForAuthorization(apis, Client(null, "openid") with { AllowedResources = [Orders.Identifier] }, [userInfo.Identifier], ScopeSet.Parse("openid")!, ["openid"]).Value!.Resources);
    }

    [Fact]
    public void AGrantRecordedBeforeResources_CoversTheApisOfItsScopes() =>
        Assert.Equal([Orders.Identifier], ResourceSelection.GrantedResources(null, ScopeSet.Parse("orders.read offline_access")!, Apis));

    [Fact]
    public void ClientCredentials_MayBeForTheApisOfTheClientsScopes_AndItsDefault()
    {
        var resources = ResourceSelection.ClientResources(Apis, Client(Private.Identifier, "orders.read")).ToList();

        Assert.Equal([Orders.Identifier, Private.Identifier], resources);
    }

    [Theory]
    [InlineData("https://orders.example.com/")]
    [InlineData("HTTPS://ORDERS.EXAMPLE.COM")]
    [InlineData("https://orders.example.com:443")]
    public void AnEquivalentSpelling_NamesTheApi_AndTheRegisteredIdentifierIsIssued(string spelling)
    {
        var authorized = Authorize(Client(), "orders.read", spelling);
        Assert.True(authorized.Succeeded);
        Assert.Equal([Orders.Identifier], authorized.Value.Resources);

        var token = Token(Client(), [Orders.Identifier, Invoices.Identifier], "orders.read invoices.read", null, spelling);
        Assert.True(token.Succeeded);
        Assert.Same(Orders, token.Value.Api);
    }

    [Theory]
    [InlineData("https://orders.example.com/x")]
    [InlineData("http://orders.example.com")]
    [InlineData("https://orders.example.com:8443")]
    [InlineData("https://invoices.example.com/api/")]
    public void ASpellingThatIsNotEquivalent_IsInvalidTarget(string spelling)
    {
        Assert.Equal("invalid_target", Authorize(Client(), null, spelling).Error?.Error);
        Assert.Equal("invalid_target", Token(Client(), [Orders.Identifier, Invoices.Identifier], "orders.read invoices.read", null, spelling).Error?.Error);
    }
}
