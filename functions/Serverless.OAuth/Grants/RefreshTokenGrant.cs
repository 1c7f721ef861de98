using Serverless.OAuth.Clients;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Telemetry;
using Serverless.OAuth.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>
/// grant_type=refresh_token with rotation on every use (RFC 9700 §4.14.2). An active token is spent and replaced in
/// one transaction. A rotated token presented again within the grace window returns the same successor (so
/// concurrent or retried refreshes do not log the user out); after it, the reuse revokes the whole family.
/// </summary>
public sealed class RefreshTokenGrant(
    GrantStore grants,
    FamilyRevocation familyRevocation,
    AccessTokenIssuer issuer,
    OAuthServerOptions options,
    TimeProvider clock)
{
    public async Task<(TokenResponse? Response, OAuthError? Error)> RefreshAsync(
        OAuthClient client, OAuthParameters form, CancellationToken cancellationToken)
    {
        if (form["refresh_token"] is not { } presented)
        {
            return (null, OAuthError.InvalidRequest("The 'refresh_token' parameter is missing."));
        }

        var requestedScope = ScopeSet.Parse(form["scope"]);
        if (requestedScope is null)
        {
            return (null, OAuthError.InvalidScope("The 'scope' parameter is malformed."));
        }

        // Two passes at most: a lost rotation race is followed by one re-read, which then finds the winner's successor.
        for (var pass = 0; pass < 2; pass++)
        {
            var lookup = await grants.FindRefreshTokenAsync(presented, cancellationToken);
            if (lookup?.Row is not { } row)
            {
                return (null, OAuthError.InvalidGrant("The refresh token is invalid or expired."));
            }

            if (row.ClientId != client.ClientId)
            {
                return (null, OAuthError.InvalidGrant("The refresh token was issued to another client."));
            }

            var (scope, scopeError) = NarrowScope(requestedScope, row.Scope);
            if (scopeError is not null)
            {
                return (null, scopeError);
            }

            switch (row.State)
            {
                case RefreshTokenState.Active:
                    var successor = NewSuccessor(lookup.FamilyId, row);
                    var response = await issuer.IssueAsync(lookup.FamilyId, row.Subject, client.ClientId, scope!, row.AuthTime, successor.Value, cancellationToken);
                    if (await grants.RotateAsync(lookup, presented, successor, cancellationToken))
                    {
                        return (response, null);
                    }

                    continue;

                case RefreshTokenState.Rotated when WithinGraceWindow(row) && OpenSuccessor(presented, row) is { } sameSuccessor:
                    return (await issuer.IssueAsync(lookup.FamilyId, row.Subject, client.ClientId, scope!, row.AuthTime, sameSuccessor, cancellationToken), null);

                case RefreshTokenState.Rotated:
                    await familyRevocation.RevokeAsync(lookup.FamilyId, FamilyRevocationReason.RefreshTokenReuse, cancellationToken);
                    return (null, OAuthError.InvalidGrant("The refresh token was already used; the authorization is revoked."));

                default:
                    return (null, OAuthError.InvalidGrant("The refresh token was revoked."));
            }
        }

        return (null, OAuthError.InvalidGrant("The refresh token was used concurrently; try again."));
    }

    /// <summary>Scope may be narrowed for the new access token, never widened (RFC 6749 §6).</summary>
    private static (string? Scope, OAuthError? Error) NarrowScope(ScopeSet requested, string granted)
    {
        if (requested.IsEmpty)
        {
            return (granted, null);
        }

        var grantedScopes = ScopeSet.Parse(granted) ?? ScopeSet.Empty;
        return requested.IsSubsetOf(grantedScopes.Values)
            ? (requested.ToString(), null)
            : (null, OAuthError.InvalidScope("The requested scope exceeds the scope originally granted."));
    }

    private bool WithinGraceWindow(RefreshTokenEntity row) =>
        row.RotatedAt is { } rotatedAt && clock.GetUtcNow() < rotatedAt + options.RefreshTokenReuseGraceWindow;

    private static string? OpenSuccessor(string presented, RefreshTokenEntity row) =>
        row.SuccessorCiphertext is { } sealedSuccessor ? SuccessorEnvelope.Open(presented, sealedSuccessor) : null;

    private NewRefreshToken NewSuccessor(string familyId, RefreshTokenEntity current)
    {
        var now = clock.GetUtcNow();
        return new NewRefreshToken(
            SecretValues.Compose(familyId, SecretValues.NewSecret()),
            new RefreshTokenEntity
            {
                ClientId = current.ClientId,
                Subject = current.Subject,
                Scope = current.Scope,
                AuthTime = current.AuthTime,
                AbsoluteExpiresAt = current.AbsoluteExpiresAt,
                ExpiresAt = AuthorizationCodeGrant.Min(now + options.RefreshTokenIdleLifetime, current.AbsoluteExpiresAt),
            });
    }
}
