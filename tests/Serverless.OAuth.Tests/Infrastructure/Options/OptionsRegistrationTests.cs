using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serverless.OAuth.Http;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Tests.Infrastructure.Options;

/// <summary>The "OAuth" section through the options system: every setting binds, and a bad one stops the host at start.</summary>
public sealed class OptionsRegistrationTests
{
    private static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = Path.GetTempPath(),
        });
        settings.TryAdd("OAuth:Storage:ConnectionString", "UseDevelopmentStorage=true");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddServerlessOAuth(builder.Configuration);
        return builder.Build();
    }

    [Fact]
    public void TheSigningSettings_KeyVaultClientIncluded_BindFromConfiguration()
    {
        using var host = Host(new()
        {
            ["OAuth:AccessTokenLifetime"] = "00:05:00",
            ["OAuth:Signing:KeyRefreshInterval"] = "00:02:00",
            ["OAuth:Signing:ClockSkew"] = "00:00:30",
            ["OAuth:Signing:KeyVaultClient:Retry:MaxRetries"] = "1",
            ["OAuth:Signing:KeyVaultUri"] = "https://127.0.0.1:8443",
            ["OAuth:Signing:KeyVaultClient:VerifyChallengeResource"] = "false",
        });

        var options = host.Services.GetRequiredService<OAuthServerOptions>();

        Assert.Same(host.Services.GetRequiredService<IOptions<OAuthServerOptions>>().Value, options);
        Assert.Equal(TimeSpan.FromMinutes(5), options.AccessTokenLifetime);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Signing.KeyRefreshInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Signing.ClockSkew);
        Assert.Equal(1, options.Signing.KeyVaultClient.Retry.MaxRetries);
        Assert.False(options.Signing.KeyVaultClient.VerifyChallengeResource);
    }

    [Fact]
    public async Task ABadSetting_StopsTheHostAtStart_NamingEveryProblem()
    {
        using var host = Host(new()
        {
            ["OAuth:Issuer"] = "http://auth.example.com",
            ["OAuth:Signing:KeyRefreshInterval"] = "00:00:00",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.StartsWith(OAuthServerOptionsValidator.Heading, failure.Message, StringComparison.Ordinal);
        Assert.Contains("OAuth:Issuer must use https", failure.Message, StringComparison.Ordinal);
        Assert.Contains("OAuth:Signing needs a positive KeyRefreshInterval", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("https://myvault.vault.azure.net")]
    [InlineData("https://vault.example.com:8443")]
    public async Task TurningOffTheChallengeResourceCheck_IsRefusedAtStart_UnlessTheVaultIsOnLoopback(string? vaultUri)
    {
        // An app setting must not disable the check that stops a spoofed endpoint getting a token for another
        // resource: only a Key Vault stand-in on this machine (the tests') may turn it off.
        using var host = Host(new()
        {
            ["OAuth:Signing:KeyVaultUri"] = vaultUri,
            ["OAuth:Signing:KeyVaultClient:VerifyChallengeResource"] = "false",
        });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("OAuth:Signing:KeyVaultClient:VerifyChallengeResource", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://127.0.0.1:8443")]
    [InlineData("https://[::1]:8443")]
    [InlineData("https://localhost:8443")]
    public void TurningOffTheChallengeResourceCheck_IsAllowedForAVaultOnLoopback(string vaultUri)
    {
        using var host = Host(new()
        {
            ["OAuth:Signing:KeyVaultUri"] = vaultUri,
            ["OAuth:Signing:KeyVaultClient:VerifyChallengeResource"] = "false",
        });

        Assert.False(host.Services.GetRequiredService<OAuthServerOptions>().Signing.KeyVaultClient.VerifyChallengeResource);
    }
}
