using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Tests.Clients.Apis;
using static Serverless.OAuth.Clients.Registration.ClientRegistrationProblemKind;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Tests.Clients.Registration;

/// <summary>The rules of a valid client, shared by the admin command line and dynamic registration.</summary>
public sealed class ClientRegistrationTests
{
    private static readonly OAuthServerOptions Options = new();

    private static ClientRegistrationRequest Request(
        string? id = "app", ClientType? type = ClientType.Public, string[]? redirectUris = null, string? scope = null, string[]? grants = null, bool introspect = false) =>
        new(id, " My app ", type, redirectUris ?? ["https://app.example/cb"], scope, grants ?? [], MayIntrospect: introspect);

    [Fact]
    public void APublicClient_GetsTheDefaults_AndNoSecret()
    {
        var result = ClientRegistration.Register(Request(redirectUris: ["https://app.example/cb", "https://app.example/cb"]), Options, TestApis.Catalog());

        Assert.True(result.Succeeded);
        Assert.Null(result.Secret);
        Assert.Null(result.Client.SecretHash);
        Assert.Equal("My app", result.Client.Name);
        Assert.Equal([GrantTypes.AuthorizationCode], result.Client.AllowedGrantTypes);
        Assert.Equal(["openid", "profile", "email", "offline_access", "read", "write"], result.Client.AllowedScopes);
        Assert.Equal(["https://app.example/cb"], result.Client.RedirectUris);
    }

    [Fact]
    public void AConfidentialClient_GetsASecret_OfWhichOnlyTheHashIsKept()
    {
        var result = ClientRegistration.Register(Request(type: ClientType.Confidential, redirectUris: [], scope: "read", grants: [GrantTypes.ClientCredentials], introspect: true), Options, TestApis.Catalog());

        Assert.True(result.Succeeded);
        Assert.NotNull(result.Secret);
        Assert.DoesNotContain(result.Secret, result.Client.SecretHash);
        Assert.True(new ClientSecretVerifier(Options, TimeProvider.System).Verify(result.Client, result.Secret));
        Assert.Equal(["read"], result.Client.AllowedScopes);
        Assert.True(result.Client.MayIntrospect);
    }

    [Fact]
    public void PostLogoutRedirectUris_AreKeptOnce_AndHeldToTheRedirectUriRules()
    {
        var kept = ClientRegistration.Register(
            Request() with { PostLogoutRedirectUris = ["https://app.example/bye", "https://app.example/bye"] }, Options, TestApis.Catalog());
        var refused = ClientRegistration.Register(Request() with { PostLogoutRedirectUris = ["http://app.example/bye"] }, Options, TestApis.Catalog());

        Assert.Equal(["https://app.example/bye"], kept.Client?.PostLogoutRedirectUris);
        Assert.Equal(("http://app.example/bye", InvalidRedirectUri), (refused.Problems.Single().Value, refused.Problems.Single().Kind));
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce()
    {
        var result = ClientRegistration.Register(new ClientRegistrationRequest("bad id!", "", null, ["http://app.example/cb#x"], "read admin", ["password"]), Options, TestApis.Catalog());

        Assert.False(result.Succeeded);
        Assert.Equal([InvalidClientId, MissingName, MissingType, UnknownGrant, InvalidRedirectUri, UnknownScope], result.Problems.Select(p => p.Kind));
        Assert.Equal("password", result.Problems.Single(p => p.Kind == UnknownGrant).Value);
        Assert.Equal("admin", result.Problems.Single(p => p.Kind == UnknownScope).Value);
    }

    [Theory]
    [InlineData(PublicClientCredentials, ClientType.Public, GrantTypes.ClientCredentials, false)]
    [InlineData(PublicIntrospection, ClientType.Public, GrantTypes.AuthorizationCode, true)]
    public void APublicClient_MayNotUseClientCredentials_OrIntrospect(ClientRegistrationProblemKind expected, ClientType type, string grant, bool introspect)
    {
        var result = ClientRegistration.Register(Request(type: type, grants: [grant], introspect: introspect), Options, TestApis.Catalog());

        Assert.Equal([expected], result.Problems.Select(p => p.Kind));
    }

    [Fact]
    public void TheCodeGrant_NeedsARedirectUri()
    {
        Assert.Equal([MissingRedirectUri], ClientRegistration.Register(Request(redirectUris: []), Options, TestApis.Catalog()).Problems.Select(p => p.Kind));
    }

    [Fact]
    public void AMalformedScope_IsAProblem()
    {
        Assert.Equal([MalformedScope], ClientRegistration.Register(Request(scope: "read\"write"), Options, TestApis.Catalog()).Problems.Select(p => p.Kind));
    }

    [Theory]
    [InlineData("https://app.example/cb", true)]
    [InlineData("http://localhost:8080/cb", true)]
    [InlineData("http://127.0.0.1/cb", true)]
    [InlineData("com.example.app:/cb", true)]
    [InlineData("relative/cb", false)]
    [InlineData("https://app.example/cb#fragment", false)]
    [InlineData("https://user:pw@app.example/cb", false)]
    [InlineData("http://app.example/cb", false)]
    [InlineData("https://*.app.example/cb", false)]
    [InlineData("https://app.example/*", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("data:text/html,<script>alert(1)</script>", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("myapp:/cb", false)]
    [InlineData("https://app.example/cb\u0000", false)]
    [InlineData("https://app.example/c b", false)]
    [InlineData("https://app.example/c\u00e4llback", false)] // a URI is ASCII (RFC 3986 §2): percent-encode the rest
    [InlineData("https://app.example/c%C3%A4llback", true)]
    [InlineData("https://b\u00fccher.example/cb", false)]
    [InlineData("https://xn--bcher-kva.example/cb", true)] // a private-use scheme is a reverse domain name (RFC 8252 §7.1)
    public void RedirectUris_AreAbsolute_WithoutFragmentOrUserInfo_AndHttpsUnlessLoopback(string uri, bool registrable)
    {
        Assert.Equal(registrable, ClientRegistration.RedirectUriProblem(uri) is null);
    }
}
