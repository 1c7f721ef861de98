using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Tests.Infrastructure.Options;

public sealed class OAuthServerOptionsTests
{
    private static OAuthServerOptions Valid() => new() { Storage = { ConnectionString = "UseDevelopmentStorage=true" } };

    [Fact]
    public void Defaults_AreValid_AndSafe()
    {
        var options = Valid();

        Assert.Empty(options.Validate());
        Assert.Equal(TimeSpan.FromSeconds(60), options.AuthorizationCodeLifetime);
        Assert.Equal(TimeSpan.FromMinutes(10), options.AccessTokenLifetime);
        Assert.Equal(SigningMode.Local, options.Signing.Mode);
        Assert.Equal("http://localhost:7071/resource", options.EffectiveAudience);
    }

    [Theory]
    [InlineData("http://auth.example.com")] // http off localhost
    [InlineData("https://auth.example.com/?x=1")]
    [InlineData("not a url")]
    public void BadIssuer_IsRejected(string issuer)
    {
        var options = Valid();
        options.Issuer = issuer;

        Assert.Contains(options.Validate(), p => p.Contains("Issuer", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("openid")]
    [InlineData("profile")]
    [InlineData("email")]
    public void ConfiguredScopes_CannotRedefineTheOpenIdConnectScopes(string scope)
    {
        var options = Valid();
        options.Scopes[scope] = "Something else";

        Assert.Contains(options.Validate(), p => p.Contains($"may not define '{scope}'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(30, true)]
    [InlineData(60, true)]
    [InlineData(61, false)]
    public void ARequestUri_LivesAtMostAMinute(int seconds, bool valid)
    {
        var options = Valid();
        Assert.Equal(TimeSpan.FromSeconds(60), options.PushedAuthorization.RequestUriLifetime);
        Assert.False(options.PushedAuthorization.Required);

        options.PushedAuthorization.RequestUriLifetime = TimeSpan.FromSeconds(seconds);

        Assert.Equal(valid, !options.Validate().Any(problem => problem.Contains("RequestUriLifetime", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheOpenIdConnectScopes_AreTheServersOwn_WithTheirOwnWords()
    {
        var options = Valid();

        Assert.Equal(["openid", "profile", "email", "offline_access"], options.ServerScopes);
        Assert.Equal("See your email address", options.DescribeServerScope("email"));
        Assert.NotNull(options.DescribeServerScope("offline_access"));
        // An API's scope is the registry's to describe, not the server's.
        Assert.Null(options.DescribeServerScope("read"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    public void AnExpiryIndexShardCountOutOfRange_IsRejected(int shards)
    {
        var options = Valid();
        options.Storage.ExpiryIndexShards = shards;

        Assert.Contains(options.Validate(), p => p.Contains("ExpiryIndexShards", StringComparison.Ordinal));
    }

    [Fact]
    public void TheBruteForceDefaults_TrustNoForwardedHeader_AndBoundTheClientCache()
    {
        var options = Valid();

        Assert.Equal(0, options.ForwardedForHops);
        Assert.Equal(10_000, options.ClientCacheSize);
        Assert.True(options.AddressLockout.MaxFailures > options.Lockout.MaxFailures);
    }

    [Theory]
    [InlineData("AddressLockout")]
    [InlineData("ForwardedForHops")]
    [InlineData("ClientCacheSize")]
    public void BadBruteForceOrCacheSettings_AreRejected(string setting)
    {
        var options = Valid();
        switch (setting)
        {
            case "AddressLockout":
                options.AddressLockout.MaxFailures = 0;
                break;
            case "ForwardedForHops":
                options.ForwardedForHops = -1;
                break;
            default:
                options.ClientCacheSize = 0;
                break;
        }

        Assert.Contains(options.Validate(), p => p.Contains(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void KeyVaultModeWithoutAVault_IsRejected()
    {
        var options = Valid();
        options.Signing.Mode = SigningMode.KeyVault;

        Assert.Contains(options.Validate(), p => p.Contains("KeyVaultUri", StringComparison.Ordinal));
        Assert.Contains(options.Validate(), p => p.Contains("KeyName", StringComparison.Ordinal));
    }

    [Fact]
    public void NoStorage_And_ACodeLifetimeOverTenMinutes_AreRejected()
    {
        var options = new OAuthServerOptions { AuthorizationCodeLifetime = TimeSpan.FromMinutes(11) };

        var problems = options.Validate().ToList();
        Assert.Contains(problems, p => p.Contains("Storage", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("AuthorizationCodeLifetime", StringComparison.Ordinal));
    }

    [Fact]
    public void AWrappedRotationIntervalOfFourKeyRefreshesOrLess_IsRejected()
    {
        var options = Valid();
        options.Signing.Mode = SigningMode.KeyVaultWrapped;
        options.Signing.KeyVaultUri = new Uri("https://vault.example.net");
        options.Signing.WrappingKeyName = "wrapping";
        options.Signing.RotationInterval = TimeSpan.FromHours(1);
        options.Signing.KeyRefreshInterval = TimeSpan.FromMinutes(15);

        Assert.Contains(options.Validate(), p => p.Contains("four key refresh intervals", StringComparison.Ordinal));

        options.Signing.KeyRefreshInterval = TimeSpan.FromMinutes(14);
        Assert.Empty(options.Validate());
    }
}
