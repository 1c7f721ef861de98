using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// POST /device_authorization (RFC 8628 §3.1-3.2): the client authenticates as at /token (a public client by its
/// client_id), must be registered for the device_code grant, and asks for a scope and resources under the same rules as
/// /authorize; it gets a device code to poll with and a user code for the user to enter at <see cref="VerificationRoute"/>.
/// </summary>
public sealed class DeviceAuthorizationEndpoint(
    BackChannelRequestReader reader, IApiStore apis, DeviceAuthorizationStore devices, OAuthServerOptions options, ILogger<DeviceAuthorizationEndpoint> logger)
{
    public const string Route = "/device_authorization";

    /// <summary>Where the user enters the code (the interaction layer's device page).</summary>
    public const string VerificationRoute = "/device";

    public async Task<EndpointResult> HandleAsync(StringValues authorization, OAuthParameters form, string? clientAddress, CancellationToken cancellationToken)
    {
        var read = await reader.ReadAsync(authorization, form, clientAddress, beforeAuthentication: null, cancellationToken);
        if (!read.Succeeded)
        {
            return new OAuthErrorResult(read.Error);
        }

        var client = read.Value.Client;
        if (!client.Allows(GrantTypes.DeviceCode))
        {
            return new OAuthErrorResult(OAuthError.UnauthorizedClient($"The client may not use the {GrantTypes.DeviceCode} grant."));
        }

        var requested = ScopeSet.Parse(form["scope"]);
        if (requested is null)
        {
            return new OAuthErrorResult(OAuthError.InvalidScope("The 'scope' parameter is malformed."));
        }

        var catalog = await apis.GetCatalogAsync(cancellationToken);
        var authorized = ResourceSelection.ForAuthorization(catalog, client, form.All(ResourceSelection.Parameter), requested, [.. options.ServerScopes]);
        if (!authorized.Succeeded)
        {
            return new OAuthErrorResult(authorized.Error);
        }

        var settings = options.DeviceAuthorization;
        var interval = (int)settings.Interval.TotalSeconds;
        var created = await devices.CreateAsync(
            client.ClientId, authorized.Value.Scope.ToString(), string.Join(' ', authorized.Value.Resources), settings.Lifetime, interval, cancellationToken);
        DeviceEvents.Started(logger, client.ClientId);

        var verificationUri = options.Issuer.TrimEnd('/') + VerificationRoute;
        return new JsonBody(new DeviceAuthorizationResponse(
            created.DeviceCode,
            created.UserCode,
            verificationUri,
            verificationUri + "?user_code=" + Uri.EscapeDataString(created.UserCode),
            (long)settings.Lifetime.TotalSeconds,
            interval));
    }
}
