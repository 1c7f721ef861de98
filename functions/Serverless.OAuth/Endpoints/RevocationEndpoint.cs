using Serverless.OAuth.Grants;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Tokens;
using Serverless.OAuth.Validation;

namespace Serverless.OAuth.Endpoints;

/// <summary>
/// POST /revoke (RFC 7009). A refresh token revokes its whole family, with the access tokens issued in it; a live
/// access token is revoked by its jti. Unknown, expired or already revoked tokens answer 200 (§2.2); a token of
/// another client is refused.
/// </summary>
public sealed class RevocationEndpoint(
    ClientAuthenticator authenticator,
    GrantStore grants,
    FamilyRevocation familyRevocation,
    RevocationStore revocations,
    AccessTokenValidator accessTokens)
{
    private enum Outcome
    {
        NotRecognised,
        Revoked,
        OtherClient,
    }

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

        if (form["token"] is not { } token)
        {
            return new OAuthErrorResult(OAuthError.InvalidRequest("The 'token' parameter is missing."));
        }

        // The hint only orders the look-ups (RFC 7009 §2.1); both kinds are tried.
        var outcome = form["token_type_hint"] == "access_token"
            ? await RevokeAccessTokenAsync(client.ClientId, token, cancellationToken)
            : await RevokeRefreshTokenAsync(client.ClientId, token, cancellationToken);
        if (outcome == Outcome.NotRecognised)
        {
            outcome = form["token_type_hint"] == "access_token"
                ? await RevokeRefreshTokenAsync(client.ClientId, token, cancellationToken)
                : await RevokeAccessTokenAsync(client.ClientId, token, cancellationToken);
        }

        return outcome == Outcome.OtherClient
            ? new OAuthErrorResult(OAuthError.UnauthorizedClient("The token was not issued to this client."))
            : new JsonBody(EmptyResponse.Instance);
    }

    private async Task<Outcome> RevokeRefreshTokenAsync(string clientId, string token, CancellationToken cancellationToken)
    {
        var lookup = await grants.FindRefreshTokenAsync(token, cancellationToken);
        if (lookup?.Row is not { } row)
        {
            return Outcome.NotRecognised;
        }

        if (row.ClientId != clientId)
        {
            return Outcome.OtherClient;
        }

        await familyRevocation.RevokeAsync(lookup.FamilyId, FamilyRevocationReason.RevokedByClient, cancellationToken);
        return Outcome.Revoked;
    }

    private async Task<Outcome> RevokeAccessTokenAsync(string clientId, string token, CancellationToken cancellationToken)
    {
        // Only a genuine, live token is recorded: a forged one must not make the server store rows of its choosing.
        var validation = await accessTokens.ValidateAsync(token, cancellationToken);
        if (validation.Token is not { } valid)
        {
            return Outcome.NotRecognised;
        }

        if (valid.ClientId != clientId)
        {
            return Outcome.OtherClient;
        }

        SecretValues.TrySplit(valid.JwtId, out var partition, out _);
        await revocations.RevokeTokenAsync(partition, valid.JwtId, valid.ExpiresAt, cancellationToken);
        return Outcome.Revoked;
    }
}
