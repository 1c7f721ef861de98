using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Tests.Clients.Apis;
using static Serverless.OAuth.Clients.Registration.ClientRegistrationProblemKind;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Tests.Clients.Registration;

/// <summary>The one pipeline under each door's policy: what a self-registered client may not do, and what it is given.</summary>
public sealed class RegistrationPolicyTests
{
    private static readonly OAuthServerOptions Options = new() { DynamicRegistration = { Resources = [TestApis.Demo.Identifier], Scopes = ["read", "offline_access"] } };
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] OperatorNames = ["Contoso Portal"];

    private static ClientRegistrationRequest Request(string name = "Tool", string? scope = null, string[]? grants = null, string authMethod = "none") =>
        new("reg-1", name, authMethod == "none" ? ClientType.Public : ClientType.Confidential, ["http://127.0.0.1/cb"], scope,
            grants ?? [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], TokenEndpointAuthMethod: authMethod, PostLogoutRedirectUris: ["https://tool.example/bye"]);

    private static ClientRegistrationResult Dynamic(ClientRegistrationRequest request) =>
        ClientRegistration.Register(request, RegistrationPolicy.DynamicRegistration(Options, TestApis.Catalog()), Options, TestApis.Catalog(), OperatorNames, Now);

    [Fact]
    public void ASelfRegisteredClient_GetsThePolicysScopesAndApi_AnExpiry_AndStaysSignedInWithTheRefreshGrant()
    {
        var result = Dynamic(Request());

        Assert.True(result.Succeeded);
        Assert.Equal(["offline_access", "read"], result.Client.AllowedScopes.Order());
        Assert.Equal([TestApis.Demo.Identifier], result.Client.AllowedResources);
        Assert.Equal(TestApis.Demo.Identifier, result.Client.DefaultResource);
        Assert.Equal(Now + Options.DynamicRegistration.UnusedLifetime, result.Client.ExpiresAt);
        Assert.True(result.Client.RefreshWithoutOfflineAccess);
        Assert.True(result.Client.IsSelfRegistered);
        Assert.Equal("none", result.Client.TokenEndpointAuthMethod);
        Assert.Equal(["https://tool.example/bye"], result.Client.PostLogoutRedirectUris);
        Assert.False(Dynamic(Request(grants: [GrantTypes.AuthorizationCode])).Client!.RefreshWithoutOfflineAccess);
    }

    [Theory]
    [InlineData("Tool\u202Egnp.exe")] // right-to-left override
    [InlineData("Con\u200Btoso")] // zero-width space
    [InlineData("\u2066Tool\u2069")] // isolates
    [InlineData("Tool\u0007")]
    [InlineData("Tool\u2028Other")]
    [InlineData("\uFEFFTool")]
    public void ANameThatCouldShowAsAnother_IsRefused(string name) =>
        Assert.Contains(Dynamic(Request(name: name)).Problems, p => p.Kind == UnsafeName);

    [Theory]
    [InlineData("Contoso Portal")]
    [InlineData("  contoso portal ")]
    [InlineData("ＣＯＮＴＯＳＯ Portal")] // full-width letters, the same after NFKC
    public void AnOperatorClientsName_IsNotForASelfRegisteredClient(string name) =>
        Assert.Contains(Dynamic(Request(name: name)).Problems, p => p.Kind == NameTaken);

    [Fact]
    public void AnOperator_MayNameClientsAsItLikes_ButNotWithInvisibleCharacters()
    {
        Assert.True(ClientRegistration.Register(Request(name: "Contoso Portal"), RegistrationPolicy.Operator(), Options, TestApis.Catalog(), OperatorNames, null).Succeeded);
        Assert.Contains(ClientRegistration.Register(Request(name: "Con\u200Btoso"), Options, TestApis.Catalog()).Problems, p => p.Kind == UnsafeName);
    }

    [Fact]
    public void WhatTheDoorDoesNotGive_IsRefused()
    {
        Assert.Contains(Dynamic(Request(scope: "read write")).Problems, p => p is { Kind: ScopeNotAllowed, Value: "write" });
        Assert.Contains(Dynamic(Request(grants: [GrantTypes.AuthorizationCode, GrantTypes.ClientCredentials], authMethod: "client_secret_post")).Problems, p => p is { Kind: GrantNotAllowed, Value: GrantTypes.ClientCredentials });
        var document = ClientRegistration.Register(
            Request(authMethod: "client_secret_basic"), RegistrationPolicy.MetadataDocument(Options, TestApis.Catalog()), Options, TestApis.Catalog(), [], null);
        Assert.Contains(document.Problems, p => p is { Kind: AuthMethodNotAllowed, Value: "client_secret_basic" });
        var publicOnly = new OAuthServerOptions { DynamicRegistration = { AllowConfidentialClients = false } };
        Assert.Contains(
            ClientRegistration.Register(Request(authMethod: "client_secret_post"), RegistrationPolicy.DynamicRegistration(publicOnly, TestApis.Catalog()), publicOnly, TestApis.Catalog(), [], Now).Problems,
            p => p.Kind == AuthMethodNotAllowed);
    }
}
