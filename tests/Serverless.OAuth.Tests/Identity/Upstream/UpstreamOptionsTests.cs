using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Identity.Upstream;

namespace Serverless.OAuth.Tests.Identity.Upstream;

public sealed class UpstreamOptionsTests
{
    private static OAuthServerOptions With(string name, UpstreamProviderOptions provider)
    {
        var options = new OAuthServerOptions { Storage = { ConnectionString = "UseDevelopmentStorage=true" } };
        options.Upstream.Providers[name] = provider;
        return options;
    }

    [Fact]
    public void AGenericProviderAndAnEntraTenant_AreValid()
    {
        Assert.Empty(With("google", new() { Issuer = "https://accounts.google.com", ClientId = "c", ClientSecret = "s" }).Validate());
        Assert.Empty(With("entra", new() { Kind = UpstreamKind.Entra, Tenant = "organizations", AllowedTenants = ["aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa"], ClientId = "c", ManagedIdentityClientId = "mi" }).Validate());
        Assert.Empty(With("dev", new() { Issuer = "http://127.0.0.1:5000/op", ClientId = "c", ClientSecret = "s" }).Validate());
    }

    public static TheoryData<string, UpstreamProviderOptions, string> Invalid => new()
    {
        { "op", new() { Issuer = "http://op.example", ClientId = "c", ClientSecret = "s" }, "https" },
        { "op", new() { Issuer = "https://op.example", ClientId = "c" }, "ClientSecret" },
        { "op", new() { Issuer = "https://op.example", ClientId = "c", ClientSecret = "s", Scope = "email" }, "openid" },
        { "Bad Name", new() { Issuer = "https://op.example", ClientId = "c", ClientSecret = "s" }, "name" },
        { "entra", new() { Kind = UpstreamKind.Entra, Tenant = "common", ClientId = "c", ClientSecret = "s" }, "personal accounts" },
        { "entra", new() { Kind = UpstreamKind.Entra, Tenant = "organizations", AllowedTenants = ["contoso.com"], ClientId = "c", ClientSecret = "s" }, "AllowedTenants" },
        { "op", new() { Issuer = "https://op.example", ClientId = "c", ClientSecret = "s", SignUp = UpstreamSignUp.AllowedEmailDomains }, "AllowedEmailDomains" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void ABadProvider_StopsTheHost_NamingTheSetting(string name, UpstreamProviderOptions provider, string named)
    {
        Assert.Contains(With(name, provider).Validate(), problem => problem.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void AProviderWithoutClientId_IsOff_NotAnError_AndAnAllowedTenantsEntryMayListSeveral()
    {
        var off = With("entra", new() { Kind = UpstreamKind.Entra, Tenant = "organizations", ClientId = "" });
        Assert.Empty(off.Validate());
        Assert.Empty(new UpstreamProviders(off, new UpstreamHttp(), TimeProvider.System).All);

        var several = new UpstreamProviderOptions
        {
            Kind = UpstreamKind.Entra, Tenant = "organizations", ClientId = "c", ClientSecret = "s",
            AllowedTenants = ["aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa, bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb"],
        };
        Assert.Empty(With("entra", several).Validate());
        Assert.True(several.AllowsTenant("bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb"));
        Assert.False(several.AllowsTenant("cccccccc-3333-4333-8333-cccccccccccc"));
    }

    [Fact]
    public void LocalAccountsOff_WithoutProviders_IsRefused()
    {
        var options = new OAuthServerOptions { Storage = { ConnectionString = "UseDevelopmentStorage=true" }, LocalAccounts = { Enabled = false } };
        Assert.Contains(options.Validate(), problem => problem.Contains("LocalAccounts", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(UpstreamSignUp.Open, "a@else.example", false, true)]
    [InlineData(UpstreamSignUp.InvitedOnly, "a@contoso.example", true, false)]
    [InlineData(UpstreamSignUp.AllowedEmailDomains, "a@contoso.example", true, true)]
    [InlineData(UpstreamSignUp.AllowedEmailDomains, "a@contoso.example", false, false)]
    [InlineData(UpstreamSignUp.AllowedEmailDomains, "a@else.example", true, false)]
    [InlineData(UpstreamSignUp.AllowedEmailDomains, "a@sub.contoso.example", true, false)]
    public void SignUp_FollowsThePolicy_AndAnUnverifiedAddressNeverCounts(UpstreamSignUp policy, string email, bool verified, bool allowed)
    {
        var options = new UpstreamProviderOptions { SignUp = policy, AllowedEmailDomains = ["contoso.example"] };
        var identity = new UpstreamIdentity("p", "k") { Email = email, EmailVerified = verified };

        Assert.Equal(allowed, UpstreamAccounts.SignUpRefusal(options, identity) is null);
    }
}
