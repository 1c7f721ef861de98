using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients.Assertions;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Clients.Registration;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Identity.Users;
using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Endpoints.Dpop;

namespace Serverless.OAuth.Http;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the whole server from the "OAuth" configuration section: the one registration both the Functions app
    /// and the local host use. Options are validated when the host starts, so a bad setting stops it there.
    /// </summary>
    public static IServiceCollection AddServerlessOAuth(this IServiceCollection services, IConfiguration configuration)
    {
        // Every setting binds from configuration, OAuth:Signing:KeyVaultClient:* included, and is checked when the host
        // starts. Consumers take OAuthServerOptions itself: the validated value.
        services.AddOptions<OAuthServerOptions>()
            .Bind(configuration.GetSection(OAuthServerOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OAuthServerOptions>, OAuthServerOptionsValidator>());
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<OAuthServerOptions>>().Value);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TokenCredential>(sp => new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = sp.GetRequiredService<OAuthServerOptions>().Signing.ManagedIdentityClientId,
        }));
        services.TryAddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<OAuthServerOptions>().Storage;
            return new OAuthTables(storage, storage.ConnectionString is { Length: > 0 } ? null : sp.GetRequiredService<TokenCredential>());
        });

        // One provider per algorithm, in the configured mode, behind the ring; ISigningKeyProvider is the access tokens' one.
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<OAuthServerOptions>();
            return new SigningKeyRing(options.Signing.Algorithms.ToDictionary(algorithm => algorithm, algorithm => NewSigningKeyProvider(sp, options, algorithm)));
        });
        services.TryAddSingleton(sp => sp.GetRequiredService<SigningKeyRing>().For(sp.GetRequiredService<OAuthServerOptions>().Signing.Algorithm));

        // The Key Vault modes' client; a test may pin its transport with Configure<OAuthServerOptions>.
        services.TryAddSingleton<IKeyVaultKeys>(sp => new KeyVaultKeysClient(
            sp.GetRequiredService<OAuthServerOptions>().Signing.KeyVaultUri ?? throw new InvalidOperationException("OAuth:Signing:KeyVaultUri is not set."),
            sp.GetRequiredService<TokenCredential>(),
            sp.GetRequiredService<OAuthServerOptions>().Signing.KeyVaultClient));

        services.TryAddSingleton(sp => new ExpiryIndex(sp.GetRequiredService<OAuthTables>(), sp.GetRequiredService<OAuthServerOptions>().Storage.ExpiryIndexShards));
        services.TryAddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<OAuthServerOptions>().Storage;
            var needsCredential = storage.GrantAccounts.Any(endpoint => !endpoint.Contains('=', StringComparison.Ordinal));
            return GrantAccounts.From(
                sp.GetRequiredService<OAuthTables>(), sp.GetRequiredService<ExpiryIndex>(), storage, needsCredential ? sp.GetRequiredService<TokenCredential>() : null);
        });
        services.TryAddSingleton(sp => new ExpiryPurge(sp.GetRequiredService<GrantAccounts>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ExpiryPurge>>()));
        services.TryAddSingleton<ILockout, FailedAttemptLockout>();
        services.TryAddSingleton<IClientStore, ClientStore>();
        services.TryAddSingleton<ClientSecretVerifier>();
        services.TryAddSingleton<MetadataDocumentFetcher>();
        services.TryAddSingleton<ClientMetadataDocuments>();
        services.TryAddSingleton<ClientDirectory>();
        services.TryAddSingleton<IApiStore, ApiStore>();
        services.AddSingleton(sp => ApiSeed.DemoResource(sp.GetRequiredService<OAuthServerOptions>()));
        // Built when started (after the Functions worker has called its host), not when the host collects its services.
        services.AddDeferredHostedService<ApiSeeding>();
        services.TryAddSingleton<IUserStore, UserStore>();
        services.TryAddSingleton<IGrantStore>(sp => new GrantStore(sp.GetRequiredService<GrantAccounts>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IRevocationStore>(sp => new RevocationStore(sp.GetRequiredService<GrantAccounts>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<FamilyRevocation>();
        services.TryAddSingleton<AccessTokenIssuer>();
        services.TryAddSingleton<IdTokenIssuer>();
        services.TryAddSingleton<AccessTokenValidator>();
        services.TryAddSingleton<IdTokenHintValidator>();
        services.TryAddSingleton<AuthorizeRequestValidator>();
        services.TryAddSingleton<PushedRequestStore>();
        services.TryAddSingleton<PushedAuthorizationRequests>();
        services.TryAddSingleton<OneTimeIds>();
        services.TryAddSingleton<IOneTimeIds>(sp => sp.GetRequiredService<OneTimeIds>());
        services.TryAddSingleton<DpopNonces>();
        services.TryAddSingleton<DpopProofValidator>();
        services.TryAddSingleton<ClientKeys>();
        services.TryAddSingleton<TrustedIssuers>();
        services.TryAddSingleton<ClientAssertionAuthenticator>();
        services.TryAddSingleton<ClientAuthenticator>();
        services.TryAddSingleton<BackChannelRequestReader>();
        services.TryAddSingleton<TokenLocator>();
        services.TryAddSingleton<AuthorizationCodeGrant>();
        services.TryAddSingleton<RefreshTokenGrant>();
        services.TryAddSingleton<ClientCredentialsGrant>();
        services.TryAddSingleton<TokenExchangeGrant>();
        services.TryAddSingleton<JwtBearerGrant>();
        services.TryAddSingleton<DeviceAuthorizationStore>();
        services.TryAddSingleton<DeviceCodeGrant>();
        services.TryAddSingleton<DeviceAuthorizationEndpoint>();
        services.TryAddSingleton<DeviceVerification>();
        services.TryAddSingleton<DeviceAuthorizationHttpEndpoint>();
        services.TryAddSingleton<DeviceHttpEndpoint>();
        services.TryAddSingleton<ISessionStore, SessionStore>();
        services.TryAddSingleton<IConsentStore, ConsentStore>();
        services.TryAddSingleton<ConsentWithdrawal>();
        services.TryAddSingleton<LoginStep>();
        services.TryAddSingleton<ConsentStep>();
        services.TryAddSingleton<CodeIssuance>();
        services.TryAddSingleton<UpstreamHttp>();
        services.TryAddSingleton(sp => new UpstreamProviders(
            sp.GetRequiredService<OAuthServerOptions>(), sp.GetRequiredService<UpstreamHttp>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<PendingSignInStore>();
        services.TryAddSingleton<UpstreamLinkStore>();
        services.TryAddSingleton<UpstreamAccounts>();
        services.TryAddSingleton<UpstreamChallenge>();
        services.TryAddSingleton<UpstreamCallback>();
        services.TryAddSingleton<AuthorizationInteraction>();
        services.TryAddSingleton<AuthorizeEndpoint>();
        services.TryAddSingleton<AccountEndpoint>();
        services.TryAddSingleton<EndSessionEndpoint>();
        services.TryAddSingleton<SessionEnding>();
        services.TryAddSingleton<TokenEndpoint>();
        services.TryAddSingleton<RevocationEndpoint>();
        services.TryAddSingleton<PushedAuthorizationEndpoint>();
        services.TryAddSingleton<IntrospectionEndpoint>();
        services.TryAddSingleton<MetadataEndpoint>();
        services.TryAddSingleton<ProtectedResource>();
        services.TryAddSingleton<UserInfoEndpoint>();
        services.TryAddSingleton<RegistrationEndpoint>();
        services.TryAddSingleton<BrowserCookies>();
        services.TryAddSingleton<EndpointRunner>();
        services.TryAddSingleton<HomeHttpEndpoint>();
        services.TryAddSingleton<MetadataHttpEndpoint>();
        services.TryAddSingleton<AuthorizeHttpEndpoint>();
        services.TryAddSingleton<UpstreamCallbackHttpEndpoint>();
        services.TryAddSingleton<AccountHttpEndpoint>();
        services.TryAddSingleton<EndSessionHttpEndpoint>();
        services.TryAddSingleton<TokenHttpEndpoint>();
        services.TryAddSingleton<RevocationHttpEndpoint>();
        services.TryAddSingleton<PushedAuthorizationHttpEndpoint>();
        services.TryAddSingleton<IntrospectionHttpEndpoint>();
        services.TryAddSingleton<UserInfoHttpEndpoint>();
        services.TryAddSingleton<RegistrationHttpEndpoint>();
        return services;
    }

    private static ISigningKeyProvider NewSigningKeyProvider(IServiceProvider sp, OAuthServerOptions options, string algorithm) => options.Signing.Mode switch
    {
        SigningMode.Local => new LocalSigningKeyProvider(
            Path.Combine(sp.GetRequiredService<IHostEnvironment>().ContentRootPath, options.Signing.LocalKeyPath),
            algorithm,
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LocalSigningKeyProvider>>()),
        SigningMode.KeyVault => ActivatorUtilities.CreateInstance<KeyVaultSigningKeyProvider>(sp, algorithm),
        SigningMode.KeyVaultWrapped => ActivatorUtilities.CreateInstance<WrappedSigningKeyProvider>(sp, algorithm),
        _ => throw new NotSupportedException($"Signing mode {options.Signing.Mode} is not available in this build."),
    };
}
