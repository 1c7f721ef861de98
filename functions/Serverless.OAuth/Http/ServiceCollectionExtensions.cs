using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Lockout;
using Serverless.OAuth.Options;
using Serverless.OAuth.Signing;
using Serverless.OAuth.Signing.KeyVault;
using Serverless.OAuth.Storage;
using Serverless.OAuth.Tokens;
using Serverless.OAuth.Users;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Http;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the whole server from the "OAuth" configuration section: the one registration both the Functions app
    /// and the local host use. Options are validated here, so a bad setting stops the host at start-up.
    /// </summary>
    public static IServiceCollection AddServerlessOAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(OAuthServerOptions.SectionName).Get<OAuthServerOptions>() ?? new OAuthServerOptions();
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The OAuth configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        }

        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenCredential>(_ => new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = options.Signing.ManagedIdentityClientId,
        }));
        services.TryAddSingleton(sp => new OAuthTables(
            options.Storage,
            options.Storage.ConnectionString is { Length: > 0 } ? null : sp.GetRequiredService<TokenCredential>()));

        services.TryAddSingleton<ISigningKeyProvider>(sp => options.Signing.Mode switch
        {
            SigningMode.Local => new LocalSigningKeyProvider(
                Path.Combine(sp.GetRequiredService<IHostEnvironment>().ContentRootPath, options.Signing.LocalKeyPath),
                options,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<LocalSigningKeyProvider>>()),
            SigningMode.KeyVault => ActivatorUtilities.CreateInstance<KeyVaultSigningKeyProvider>(sp),
            SigningMode.KeyVaultWrapped => ActivatorUtilities.CreateInstance<WrappedSigningKeyProvider>(sp),
            _ => throw new NotSupportedException($"Signing mode {options.Signing.Mode} is not available in this build."),
        });

        // The Key Vault modes' client: a host (or a test) may register its own options first, e.g. a pinned transport.
        services.TryAddSingleton<KeyVaultSigningOptions>();
        services.TryAddSingleton(sp => new KeyVaultKeysClient(
            options.Signing.KeyVaultUri ?? throw new InvalidOperationException("OAuth:Signing:KeyVaultUri is not set."),
            sp.GetRequiredService<TokenCredential>(),
            sp.GetRequiredService<KeyVaultSigningOptions>().Client));

        services.TryAddSingleton(sp => new ExpiryIndex(sp.GetRequiredService<OAuthTables>(), options.Storage.ExpiryIndexShards));
        services.TryAddSingleton<ExpiryPurge>();
        services.TryAddSingleton<FailedAttemptLockout>();
        services.TryAddSingleton<ClientStore>();
        services.TryAddSingleton<ClientSecretVerifier>();
        services.TryAddSingleton<UserStore>();
        services.TryAddSingleton<GrantStore>();
        services.TryAddSingleton<RevocationStore>();
        services.TryAddSingleton<FamilyRevocation>();
        services.TryAddSingleton<AccessTokenIssuer>();
        services.TryAddSingleton<AccessTokenValidator>();
        services.TryAddSingleton<AuthorizeRequestValidator>();
        services.TryAddSingleton<ClientAuthenticator>();
        services.TryAddSingleton<BackChannelRequestReader>();
        services.TryAddSingleton<TokenLocator>();
        services.TryAddSingleton<AuthorizationCodeGrant>();
        services.TryAddSingleton<RefreshTokenGrant>();
        services.TryAddSingleton<ClientCredentialsGrant>();
        services.TryAddSingleton<LoginStep>();
        services.TryAddSingleton<ConsentStep>();
        services.TryAddSingleton<CodeIssuance>();
        services.TryAddSingleton<AuthorizationInteraction>();
        services.TryAddSingleton<AuthorizeEndpoint>();
        services.TryAddSingleton<TokenEndpoint>();
        services.TryAddSingleton<RevocationEndpoint>();
        services.TryAddSingleton<IntrospectionEndpoint>();
        services.TryAddSingleton<MetadataEndpoint>();
        services.TryAddSingleton<OAuthHttpHandlers>();
        return services;
    }
}
