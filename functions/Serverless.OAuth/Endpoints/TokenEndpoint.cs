using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Endpoints.Dpop;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// POST /token: detect a reused refresh token, read the request (its structure, a supported grant type, then the
/// client), check the client may use the grant and its DPoP proof (RFC 9449 §5), and hand off to it with the proof's key.
/// </summary>
public sealed class TokenEndpoint(
    BackChannelRequestReader reader,
    AuthorizationCodeGrant authorizationCode,
    RefreshTokenGrant refreshToken,
    ClientCredentialsGrant clientCredentials,
    TokenExchangeGrant tokenExchange,
    JwtBearerGrant jwtBearer,
    DpopProofValidator dpop,
    DeviceCodeGrant deviceCode)
{
    /// <param name="dpopProof">The request's DPoP header values (RFC 9449 §4.1).</param>
    public async Task<EndpointResult> HandleAsync(
        StringValues authorization, StringValues dpopProof, OAuthParameters form, string? clientAddress, CancellationToken cancellationToken)
    {
        // A reused refresh token revokes its family whatever else is wrong with the request (RFC 9700 §4.14.2).
        var reuseCheck = RefreshTokenReuseCheck.NothingFound;
        if (form["grant_type"] == GrantTypes.RefreshToken && !form.IsRepeated("grant_type"))
        {
            var detected = await refreshToken.DetectReuseAsync(form, cancellationToken);
            if (!detected.Succeeded)
            {
                return new OAuthErrorResult(detected.Error);
            }

            reuseCheck = detected.Value;
        }

        var read = await reader.ReadAsync(authorization, form, clientAddress, ValidateGrantType, cancellationToken);
        if (!read.Succeeded)
        {
            return new OAuthErrorResult(read.Error);
        }

        var client = read.Value.Client;
        var grantType = form["grant_type"] ?? ""; // present and supported: ValidateGrantType ran before authentication
        if (!client.Allows(grantType))
        {
            return new OAuthErrorResult(OAuthError.UnauthorizedClient($"The client may not use the {grantType} grant."));
        }

        var proof = await dpop.ValidateAsync(dpopProof, "POST", dpop.UrlOf("token"), accessToken: null, cancellationToken);
        if (!proof.Succeeded)
        {
            return new OAuthErrorResult(proof.Error);
        }

        var dpopJkt = proof.Value.KeyThumbprint;
        if (dpopJkt is null && client.DpopBoundAccessTokens)
        {
            return new OAuthErrorResult(OAuthError.InvalidDpopProof("This client registered dpop_bound_access_tokens: send a DPoP proof."));
        }

        using var span = ServerTelemetry.StartGrant(grantType);
        var issued = grantType switch
        {
            GrantTypes.AuthorizationCode => await authorizationCode.ExchangeAsync(client, form, dpopJkt, cancellationToken),
            GrantTypes.RefreshToken => await refreshToken.RefreshAsync(client, form, reuseCheck, dpopJkt, cancellationToken),
            GrantTypes.TokenExchange => await tokenExchange.ExchangeAsync(client, form, dpopJkt, cancellationToken),
            GrantTypes.JwtBearer => await jwtBearer.IssueAsync(client, form, dpopJkt, cancellationToken),
            GrantTypes.DeviceCode => await deviceCode.IssueAsync(client, form, dpopJkt, cancellationToken),
            _ => await clientCredentials.IssueAsync(client, form, dpopJkt, cancellationToken),
        };
        if (!issued.Succeeded)
        {
            return new OAuthErrorResult(issued.Error);
        }

        ServerTelemetry.TokenIssued(grantType, issued.Value.Audience);
        return new JsonBody(issued.Value);
    }

    private static OAuthError? ValidateGrantType(OAuthParameters form) => form["grant_type"] switch
    {
        null => OAuthError.InvalidRequest("The 'grant_type' parameter is missing."),
        var grantType when !GrantTypes.All.Contains(grantType) =>
            OAuthError.UnsupportedGrantType($"Supported grant types: {string.Join(", ", GrantTypes.All)}."),
        _ => null,
    };
}
