using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Lockout;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Clients.Registration;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// POST /register: RFC 7591 dynamic client registration, when <see cref="DynamicRegistrationOptions.Enabled"/>. Each
/// request counts against its address's rate limit first (RFC 7591 §5: registration is open to anyone); then the
/// metadata is read and put through the one registration pipeline (<see cref="ClientRegistration"/>, shared with the
/// admin tool and metadata documents) under its policy (<see cref="RegistrationPolicy.DynamicRegistration"/>); only a
/// registration that passes everything is stored, with the expiry of an unused one. The secret of a
/// confidential client is in the answer once and stored only as a hash.
/// </summary>
public sealed class RegistrationEndpoint(
    IClientStore clients, IApiStore apis, ILockout lockout, OAuthServerOptions options, TimeProvider clock, ILogger<RegistrationEndpoint> logger)
{
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
            logger.LogWarning(EventIds.RegistrationRateLimited, "Registrations refused from an address for {RefusedFor}", refusedFor);
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

        // A repeated registration of the same public client from the same address within a short window (an MCP host
        // that registers on every connection) gets the earlier client back instead of a new one: same address, same
        // metadata, no secret to hand out again, and the earlier client still registered. Kept per instance, in memory.
        var repeatKey = read.Value.IsPublic ? RepeatKey(address, document.RootElement) : null;
        if (repeatKey is not null && _recent.TryGetValue(repeatKey, out ClientRegistrationResponse? earlier)
            && await clients.FindAsync(earlier!.ClientId, cancellationToken) is not null)
        {
            return new JsonBody(earlier, Status: 201);
        }

        var registered = await RegisterAsync(read.Value, cancellationToken);
        if (registered.Succeeded && repeatKey is not null)
        {
            _recent.Set(repeatKey, registered.Value, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = RepeatWindow });
        }

        return registered.Succeeded ? new JsonBody(registered.Value, Status: 201) : new OAuthErrorResult(registered.Error);
    }

    /// <summary>How long a repeated registration of the same public client from the same address reuses the earlier one.</summary>
    public static readonly TimeSpan RepeatWindow = TimeSpan.FromMinutes(10);

    private readonly MemoryCache _recent = new(new MemoryCacheOptions { SizeLimit = 10_000, CompactionPercentage = 0.25 });

    /// <summary>The address and the metadata as sent (every field, in order), hashed: only an identical request repeats.</summary>
    private static string RepeatKey(string? address, JsonElement metadata) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes((address ?? "unknown") + "\n" + metadata.GetRawText())));

    private async Task<OAuthResult<ClientRegistrationResponse>> RegisterAsync(ClientMetadata metadata, CancellationToken cancellationToken)
    {
        if (metadata.ClientId is not null)
        {
            return OAuthError.InvalidClientMetadata("'client_id' is assigned by the server (RFC 7591 §3.2.1).");
        }

        var catalog = await apis.GetCatalogAsync(cancellationToken);
        var policy = RegistrationPolicy.DynamicRegistration(options, catalog);
        if (!metadata.IsPublic && !policy.AuthMethods.Contains(metadata.AuthMethod))
        {
            return OAuthError.InvalidClientMetadata("This server registers public clients only: use token_endpoint_auth_method \"none\" with PKCE.");
        }

        var now = clock.GetUtcNow();
        var request = SelfRegistration.Request(metadata, "reg-" + SecretValues.NewId(), DefaultName(metadata.RedirectUris[0]), ClientRegistration.AuthSecretBasic);
        var operatorNames = (await clients.ListAsync(cancellationToken)).Where(c => !c.IsSelfRegistered).Select(c => c.Name);
        var result = ClientRegistration.Register(request, policy, options, catalog, operatorNames, now);
        if (!result.Succeeded)
        {
            return SelfRegistration.Error(result.Problems);
        }

        var client = result.Client;
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
            PostLogoutRedirectUris = client.PostLogoutRedirectUris.Count > 0 ? client.PostLogoutRedirectUris : null,
            DpopBoundAccessTokens = client.DpopBoundAccessTokens ? true : null,
            RequirePushedAuthorizationRequests = client.RequirePushedAuthorizationRequests ? true : null,
        };
    }

    /// <summary>A client that gives no name is called by its redirect URI's host: what the user would see anyway.</summary>
    private static string DefaultName(string redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && uri.Host.Length > 0 ? uri.Host : "An unnamed app";
}
