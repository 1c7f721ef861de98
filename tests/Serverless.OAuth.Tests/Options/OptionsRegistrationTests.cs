using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Serverless.OAuth.Http;
using Serverless.OAuth.Options;

namespace Serverless.OAuth.Tests.Options;

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
}
