using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Tokens;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// POST /introspect (RFC 7662), for confidential clients. An access token is described to the client it was issued
/// to and to clients allowed to introspect (<see cref="Clients.OAuthClient.MayIntrospect"/>: resource servers); a
/// refresh token only to the client that holds it. Anything else (expired, revoked, malformed, not issued here, or
/// not the caller's to see) is simply {"active": false}, so the answer reveals nothing (RFC 7662 §4).
/// </summary>
public sealed class IntrospectionEndpoint(BackChannelRequestReader reader, TokenLocator locator, OAuthServerOptions options)
{
    private static readonly Dictionary<string, object> Inactive = new() { ["active"] = false };

    public async Task<EndpointResult> HandleAsync(StringValues authorization, OAuthParameters form, string? clientAddress, CancellationToken cancellationToken)
    {
        var read = await reader.ReadAsync(authorization, form, clientAddress, beforeAuthentication: null, cancellationToken);
        if (!read.Succeeded)
        {
            return new OAuthErrorResult(read.Error);
        }

        var client = read.Value.Client;
        if (client.IsPublic)
        {
            return new OAuthErrorResult(OAuthError.InvalidClient("Introspection is for confidential clients."));
        }

        if (form["token"] is not { } token)
        {
            return new OAuthErrorResult(OAuthError.InvalidRequest("The 'token' parameter is missing."));
        }

        return new JsonResult(await locator.LocateAsync(token, form["token_type_hint"], cancellationToken) switch
        {
            LocatedAccessToken { Token: var access } when client.MayIntrospect || access.ClientId == client.ClientId => Describe(access),
            LocatedRefreshToken { Row: { State: RefreshTokenState.Active } row } when row.ClientId == client.ClientId => Describe(row),
            _ => Inactive,
        });
    }

    private Dictionary<string, object> Describe(ValidatedAccessToken token)
    {
        var response = new Dictionary<string, object>
        {
            ["active"] = true,
            ["token_type"] = "Bearer",
            ["scope"] = token.Scope,
            ["client_id"] = token.ClientId,
            ["sub"] = token.Subject,
            ["aud"] = options.EffectiveAudience,
            ["iss"] = options.Issuer,
            ["iat"] = token.IssuedAt.ToUnixTimeSeconds(),
            ["exp"] = token.ExpiresAt.ToUnixTimeSeconds(),
            ["jti"] = token.JwtId,
        };
        if (token.AuthTime is { } authTime)
        {
            response["auth_time"] = authTime.ToUnixTimeSeconds();
        }

        return response;
    }

    private Dictionary<string, object> Describe(RefreshTokenEntity row) => new()
    {
        ["active"] = true,
        ["token_type"] = "refresh_token",
        ["scope"] = row.Scope,
        ["client_id"] = row.ClientId,
        ["sub"] = row.Subject,
        ["iss"] = options.Issuer,
        ["exp"] = row.ExpiresAt.ToUnixTimeSeconds(),
    };
}
