using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// POST /introspect (RFC 7662), for confidential clients. An access token is described to its own API (the clients
/// the API lists as its introspectors, <see cref="ApiResource.Introspectors"/>), to clients allowed to introspect
/// every API's tokens (<see cref="Clients.OAuthClient.MayIntrospect"/>), and to the client it was issued to; a refresh
/// token only to the client that holds it. Anything else (expired, revoked, malformed, not issued here, another API's,
/// or not the caller's to see) is simply {"active": false}, so the answer reveals nothing (RFC 7662 §2.2, §4).
/// </summary>
public sealed class IntrospectionEndpoint(BackChannelRequestReader reader, TokenLocator locator, IApiStore apis, OAuthServerOptions options)
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

        var located = await locator.LocateAsync(token, form["token_type_hint"], cancellationToken);
        var catalog = await apis.GetCatalogAsync(cancellationToken);
        return new JsonBody(located switch
        {
            LocatedAccessToken { Token: var access } when client.MayIntrospect
                || access.ClientId == client.ClientId
                || catalog.Find(access.Audience)?.MayIntrospect(client.ClientId) == true => Describe(access),
            LocatedRefreshToken { Row: { State: RefreshTokenState.Active } row } when row.Grant.ClientId == client.ClientId => Describe(row),
            _ => IntrospectionResponse.Inactive,
        });
    }

    private IntrospectionResponse Describe(ValidatedAccessToken token) => new(Active: true)
    {
        TokenType = token.ConfirmationKey is null ? "Bearer" : "DPoP",
        Confirmation = token.ConfirmationKey is { } jkt ? new TokenConfirmation(jkt) : null,
        Scope = token.Scope,
        ClientId = token.ClientId,
        Subject = token.Subject,
        Audience = token.Audience,
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
