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

        return new JsonBody(await locator.LocateAsync(token, form["token_type_hint"], cancellationToken) switch
        {
            LocatedAccessToken { Token: var access } when client.MayIntrospect || access.ClientId == client.ClientId => Describe(access),
            LocatedRefreshToken { Row: { State: RefreshTokenState.Active } row } when row.Grant.ClientId == client.ClientId => Describe(row),
            _ => IntrospectionResponse.Inactive,
        });
    }

    private IntrospectionResponse Describe(ValidatedAccessToken token) => new(Active: true)
    {
        TokenType = "Bearer",
        Scope = token.Scope,
        ClientId = token.ClientId,
        Subject = token.Subject,
        Audience = options.EffectiveAudience,
        Issuer = options.Issuer,
        IssuedAt = token.IssuedAt.ToUnixTimeSeconds(),
        ExpiresAt = token.ExpiresAt.ToUnixTimeSeconds(),
        JwtId = token.JwtId,
        AuthTime = token.AuthTime?.ToUnixTimeSeconds(),
    };

    private IntrospectionResponse Describe(RefreshTokenRecord row) => new(Active: true)
    {
        TokenType = "refresh_token",
        Scope = row.Grant.Scope,
        ClientId = row.Grant.ClientId,
        Subject = row.Grant.Subject,
        Issuer = options.Issuer,
        ExpiresAt = row.ExpiresAt.ToUnixTimeSeconds(),
    };
}
