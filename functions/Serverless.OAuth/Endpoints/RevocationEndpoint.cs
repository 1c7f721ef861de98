using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Grants.Tokens;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// POST /revoke (RFC 7009). A refresh token revokes its whole family, with the access tokens issued in it; a live
/// access token is revoked by its jti. Unknown, expired or already revoked tokens answer 200 (§2.2); a token of
/// another client is refused.
/// </summary>
public sealed class RevocationEndpoint(
    BackChannelRequestReader reader,
    TokenLocator locator,
    FamilyRevocation familyRevocation,
    IRevocationStore revocations)
{
    public async Task<EndpointResult> HandleAsync(StringValues authorization, OAuthParameters form, string? clientAddress, CancellationToken cancellationToken)
    {
        var read = await reader.ReadAsync(authorization, form, clientAddress, beforeAuthentication: null, cancellationToken);
        if (!read.Succeeded)
        {
            return new OAuthErrorResult(read.Error);
        }

        var clientId = read.Value.Client.ClientId;
        if (form["token"] is not { } token)
        {
            return new OAuthErrorResult(OAuthError.InvalidRequest("The 'token' parameter is missing."));
        }

        switch (await locator.LocateAsync(token, form["token_type_hint"], cancellationToken))
        {
            case LocatedRefreshToken { Row.Grant.ClientId: var owner } when owner != clientId:
            case LocatedAccessToken { Token.ClientId: var holder } when holder != clientId:
                return new OAuthErrorResult(OAuthError.UnauthorizedClient("The token was not issued to this client."));

            case LocatedRefreshToken refresh:
                await familyRevocation.RevokeAsync(refresh.Row.FamilyId, FamilyRevocationReason.RevokedByClient, cancellationToken);
                break;

            case LocatedAccessToken { Token: var access }:
                // Only a genuine, live token is recorded: a forged one must not make the server store rows of its choosing.
                SecretValues.TrySplit(access.JwtId, out var partition, out _);
                await revocations.RevokeTokenAsync(partition, access.JwtId, access.ExpiresAt, cancellationToken);
                break;
        }

        return new JsonBody(EmptyResponse.Instance);
    }
}
