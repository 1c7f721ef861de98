using Serverless.OAuth.Clients;
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
public sealed class IntrospectionEndpoint(
    ClientAuthenticator authenticator, GrantStore grants, AccessTokenValidator accessTokens, OAuthServerOptions options)
{
    public async Task<EndpointResult> HandleAsync(string? authorizationHeader, OAuthParameters form, string? clientAddress, CancellationToken cancellationToken)
    {
        if (form.StructuralError is { } structural)
        {
            return new OAuthErrorResult(structural);
        }

        var (client, authError) = await authenticator.AuthenticateAsync(authorizationHeader, form, clientAddress, cancellationToken);
        if (client is null)
        {
            return new OAuthErrorResult(authError!);
        }

        if (client.IsPublic)
        {
            return new OAuthErrorResult(OAuthError.InvalidClient("Introspection is for confidential clients."));
        }

        if (form["token"] is not { } token)
        {
            return new OAuthErrorResult(OAuthError.InvalidRequest("The 'token' parameter is missing."));
        }

        // The hint only orders the look-ups (RFC 7662 §2.1).
        var answer = form["token_type_hint"] == "refresh_token"
            ? await IntrospectRefreshTokenAsync(client.ClientId, token, cancellationToken) ?? await IntrospectAccessTokenAsync(client, token, cancellationToken)
            : await IntrospectAccessTokenAsync(client, token, cancellationToken) ?? await IntrospectRefreshTokenAsync(client.ClientId, token, cancellationToken);
        return new JsonBody(answer ?? IntrospectionResponse.Inactive);
    }

    private async Task<IntrospectionResponse?> IntrospectAccessTokenAsync(OAuthClient caller, string token, CancellationToken cancellationToken)
    {
        var validation = await accessTokens.ValidateAsync(token, cancellationToken);
        if (validation.Token is not { } valid)
        {
            return null;
        }

        if (!caller.MayIntrospect && valid.ClientId != caller.ClientId)
        {
            return IntrospectionResponse.Inactive;
        }

        return new IntrospectionResponse(Active: true)
        {
            TokenType = "Bearer",
            Scope = valid.Scope,
            ClientId = valid.ClientId,
            Subject = valid.Subject,
            Audience = options.EffectiveAudience,
            Issuer = options.Issuer,
            IssuedAt = valid.IssuedAt.ToUnixTimeSeconds(),
            ExpiresAt = valid.ExpiresAt.ToUnixTimeSeconds(),
            JwtId = valid.JwtId,
            AuthTime = valid.AuthTime?.ToUnixTimeSeconds(),
        };
    }

    private async Task<IntrospectionResponse?> IntrospectRefreshTokenAsync(string clientId, string token, CancellationToken cancellationToken)
    {
        var lookup = await grants.FindRefreshTokenAsync(token, cancellationToken);
        if (lookup?.Row is not { } row || row.ClientId != clientId)
        {
            return null;
        }

        if (row.State != RefreshTokenState.Active)
        {
            return IntrospectionResponse.Inactive;
        }

        return new IntrospectionResponse(Active: true)
        {
            TokenType = "refresh_token",
            Scope = row.Scope,
            ClientId = row.ClientId,
            Subject = row.Subject,
            Issuer = options.Issuer,
            ExpiresAt = row.ExpiresAt.ToUnixTimeSeconds(),
        };
    }
}
