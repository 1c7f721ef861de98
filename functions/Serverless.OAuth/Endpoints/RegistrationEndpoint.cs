using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Lockout;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Registration;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// POST /register: RFC 7591 dynamic client registration, when <see cref="DynamicRegistrationOptions.Enabled"/>. Each
/// request counts against its address's rate limit first (RFC 7591 §5: registration is open to anyone); then the
/// metadata is read and the core's client rules applied (<see cref="ClientRegistration"/>, shared with the admin tool);
/// only a registration that passes everything is stored, with the expiry of an unused one. The secret of a
/// confidential client is in the answer once and stored only as a hash.
/// </summary>
public sealed class RegistrationEndpoint(
    IClientStore clients, IApiStore apis, ILockout lockout, OAuthServerOptions options, TimeProvider clock, ILogger<RegistrationEndpoint> logger)
{
    private static readonly EventId RateLimited = new(4201, "RegistrationRateLimited");

    public async Task<EndpointResult> HandleAsync(
        Func<CancellationToken, Task<OAuthResult<JsonDocument>>> readBody, string? address, CancellationToken cancellationToken)
    {
        var policy = options.DynamicRegistration;
        if (!policy.Enabled)
        {
            return new JsonBody(ErrorResponse.From(OAuthError.InvalidRequest("Dynamic client registration is not enabled on this server.")), Status: 404);
        }

        // Requests without a known address (none behind a misconfigured proxy) share one limit: the safe side.
        if (await lockout.CountAsync(LockoutKey.ForRegistration(address ?? "unknown"), cancellationToken) is { } refusedFor)
        {
            logger.LogWarning(RateLimited, "Registrations refused from an address for {RefusedFor}", refusedFor);
            return new OAuthErrorResult(OAuthError.TooManyAttempts("Too many registrations from this address.", refusedFor));
        }

        var body = await readBody(cancellationToken);
        if (!body.Succeeded)
        {
            return new OAuthErrorResult(body.Error);
        }

        using var document = body.Value;
        var read = ClientMetadataReader.Read(document.RootElement);
        if (!read.Succeeded)
        {
            return new OAuthErrorResult(read.Error);
        }

        var registered = await RegisterAsync(read.Value, cancellationToken);
        return registered.Succeeded ? new JsonBody(registered.Value, Status: 201) : new OAuthErrorResult(registered.Error);
    }

    private async Task<OAuthResult<ClientRegistrationResponse>> RegisterAsync(ClientMetadata metadata, CancellationToken cancellationToken)
    {
        var policy = options.DynamicRegistration;
        if (!metadata.IsPublic && !policy.AllowConfidentialClients)
        {
            return OAuthError.InvalidClientMetadata("This server registers public clients only: use token_endpoint_auth_method \"none\" with PKCE.");
        }

        if (metadata.ClientId is not null)
        {
            return OAuthError.InvalidClientMetadata("'client_id' is assigned by the server (RFC 7591 §3.2.1).");
        }

        // Scopes: those asked for, each one a registered client may hold; none asked for, all of those.
        var catalog = await apis.GetCatalogAsync(cancellationToken);
        var registrable = SelfRegistration.RegistrableScopes(options, catalog);
        var scope = ScopeSet.Parse(metadata.Scope ?? "");
        if (scope is null)
        {
            return OAuthError.InvalidClientMetadata("'scope' is malformed.");
        }

        if (!scope.IsSubsetOf(registrable))
        {
            return OAuthError.InvalidClientMetadata("'scope' names a scope a registered client may not hold.");
        }

        var request = new ClientRegistrationRequest(
            "reg-" + SecretValues.NewId(),
            metadata.ClientName ?? DefaultName(metadata.RedirectUris[0]),
            metadata.IsPublic ? ClientType.Public : ClientType.Confidential,
            metadata.RedirectUris,
            scope.IsEmpty ? string.Join(' ', registrable) : scope.ToString(),
            metadata.GrantTypes,
            RefreshWithoutOfflineAccess: SelfRegistration.RefreshWithoutOfflineAccess(metadata.GrantTypes),
            DefaultResource: SelfRegistration.DefaultResource(options));
        var result = ClientRegistration.Register(request, options, catalog);
        if (!result.Succeeded)
        {
            // A redirect URI at fault has its own error code (RFC 7591 §3.2.2), whatever else is wrong.
            var problem = result.Problems.FirstOrDefault(p => p.Kind is ClientRegistrationProblemKind.InvalidRedirectUri) ?? result.Problems[0];
            return problem.Kind is ClientRegistrationProblemKind.InvalidRedirectUri
                ? OAuthError.InvalidRedirectUri(problem.Detail ?? "A redirect URI cannot be registered.")
                : OAuthError.InvalidClientMetadata($"The registration is not acceptable ({problem.Kind}{(problem.Value is null ? "" : ": " + problem.Value)}).");
        }

        var now = clock.GetUtcNow();
        var client = result.Client with { ExpiresAt = now + policy.UnusedLifetime, AllowedResources = SelfRegistration.AllowedResources(options) };
        if (!await clients.AddAsync(client, cancellationToken))
        {
            // A random 128-bit id already taken: not a client's mistake.
            return OAuthError.ServerError();
        }

        return new ClientRegistrationResponse
        {
            ClientId = client.ClientId,
            ClientSecret = result.Secret,
            ClientIdIssuedAt = now.ToUnixTimeSeconds(),
            // RFC 7591 §3.2.1: required with a secret; 0 is "does not expire" (the secret lives as long as the client).
            ClientSecretExpiresAt = result.Secret is null ? null : 0,
            ClientName = client.Name,
            RedirectUris = client.RedirectUris,
            GrantTypes = client.AllowedGrantTypes,
            ResponseTypes = ["code"],
            TokenEndpointAuthMethod = metadata.AuthMethod,
            Scope = string.Join(' ', client.AllowedScopes),
        };
    }

    /// <summary>A client that gives no name is called by its redirect URI's host: what the user would see anyway.</summary>
    private static string DefaultName(string redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri.Host : "An unnamed app";
}
