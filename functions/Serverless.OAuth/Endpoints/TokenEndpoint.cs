using Serverless.OAuth.Clients;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Endpoints;

/// <summary>POST /token: detect a reused refresh token, authenticate the client, check the grant type, hand off to the grant.</summary>
public sealed class TokenEndpoint(
    ClientAuthenticator authenticator,
    AuthorizationCodeGrant authorizationCode,
    RefreshTokenGrant refreshToken,
    ClientCredentialsGrant clientCredentials,
    OAuthServerOptions options)
{
    public async Task<EndpointResult> HandleAsync(string? authorizationHeader, OAuthParameters form, string? clientAddress, CancellationToken cancellationToken)
    {
        // A reused refresh token revokes its family whatever else is wrong with the request (RFC 9700 §4.14.2).
        RefreshTokenLookup? presentedRefreshToken = null;
        if (form["grant_type"] == GrantTypes.RefreshToken && !form.IsRepeated("grant_type"))
        {
            var (lookup, reuse) = await refreshToken.DetectReuseAsync(form, cancellationToken);
            if (reuse is not null)
            {
                return new OAuthErrorResult(reuse);
            }

            presentedRefreshToken = lookup;
        }

        if (form.StructuralError is { } structural)
        {
            return new OAuthErrorResult(structural);
        }

        var grantType = form["grant_type"];
        if (grantType is null)
        {
            return new OAuthErrorResult(OAuthError.InvalidRequest("The 'grant_type' parameter is missing."));
        }

        if (!GrantTypes.All.Contains(grantType))
        {
            return new OAuthErrorResult(OAuthError.UnsupportedGrantType($"Supported grant types: {string.Join(", ", GrantTypes.All)}."));
        }

        var (client, authError) = await authenticator.AuthenticateAsync(authorizationHeader, form, clientAddress, cancellationToken);
        if (client is null)
        {
            return new OAuthErrorResult(authError!);
        }

        if (!client.Allows(grantType))
        {
            return new OAuthErrorResult(OAuthError.UnauthorizedClient($"The client may not use the {grantType} grant."));
        }

        using var span = ServerTelemetry.StartGrant(grantType);
        var (response, error) = grantType switch
        {
            GrantTypes.AuthorizationCode => await authorizationCode.ExchangeAsync(client, form, cancellationToken),
            GrantTypes.RefreshToken => await refreshToken.RefreshAsync(client, form, presentedRefreshToken, cancellationToken),
            _ => await clientCredentials.IssueAsync(client, form, cancellationToken),
        };
        if (response is null)
        {
            return new OAuthErrorResult(error!);
        }

        ServerTelemetry.TokenIssued(grantType, options.EffectiveAudience);
        return new JsonBody(response);
    }
}
