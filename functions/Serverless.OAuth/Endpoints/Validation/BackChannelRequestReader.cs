using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Endpoints.Validation;

/// <summary>A back-channel request whose form is well-formed and whose client is authenticated.</summary>
public sealed record BackChannelRequest(OAuthClient Client, OAuthParameters Form);

/// <summary>
/// Reads a request to /token, /revoke or /introspect once, in one order: the form's structure (no repeated or oversized
/// parameter, RFC 6749 §3.2), the endpoint's own checks that need no client, then the client's authentication
/// (RFC 6749 §2.3.1 and §3.2.1, RFC 7009 §2.1, RFC 7662 §2.1).
/// </summary>
public sealed class BackChannelRequestReader(ClientAuthenticator authenticator)
{
    /// <param name="authorization">Every value of the request's Authorization header.</param>
    /// <param name="beforeAuthentication">Checks that answer before the client is authenticated, so that a request the
    /// endpoint refuses anyway costs no secret verification.</param>
    public async Task<OAuthResult<BackChannelRequest>> ReadAsync(
        StringValues authorization,
        OAuthParameters form,
        string? clientAddress,
        Func<OAuthParameters, OAuthError?>? beforeAuthentication,
        CancellationToken cancellationToken)
    {
        if (form.StructuralError is { } structural)
        {
            return structural;
        }

        if (beforeAuthentication?.Invoke(form) is { } refused)
        {
            return refused;
        }

        var header = AuthorizationHeader.Read(authorization);
        if (!header.Succeeded)
        {
            return header.Error;
        }

        // Read once: the authentication and the counter's method tag both use them (reading them again for the tag
        // was a second base64 and URL decoding of the Basic header on every request).
        var credentials = ClientAuthenticator.ReadCredentials(header.Value, form);
        if (!credentials.Succeeded)
        {
            return credentials.Error;
        }

        var authentication = await authenticator.AuthenticateAsync(credentials.Value, clientAddress, cancellationToken);
        Infrastructure.Telemetry.ServerTelemetry.ClientAuthenticated(credentials.Value.Method, authentication.Succeeded);
        return authentication.Succeeded ? new BackChannelRequest(authentication.Value, form) : authentication.Error;
    }
}
