using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>
/// grant_type=refresh_token with rotation on every use (RFC 9700 §4.14.2). An active token is spent and replaced in
/// one transaction. A rotated token presented again within the grace window returns the same successor (so
/// concurrent or retried refreshes do not log the user out); after it, the reuse revokes the whole family. Each refresh
/// may ask for a token for any one of the grant's APIs (RFC 8707 §2.2); the grant itself never changes. When the new
/// access token's scope has "openid", a new ID token comes with it, about the same sign-in (OpenID Connect Core §12.2).
/// </summary>
public sealed class RefreshTokenGrant(
    IGrantStore grants,
    IApiStore apis,
    FamilyRevocation familyRevocation,
    AccessTokenIssuer issuer,
    IdTokenIssuer idTokens,
    OAuthServerOptions options,
    TimeProvider clock)
{
    /// <summary>
    /// Looks the presented token up and, when it is a rotated one outside the grace window, revokes its family and
    /// answers invalid_grant. Presenting a rotated token is the sign that it leaked (RFC 9700 §4.14.2), so this runs
    /// before the client is authenticated and before its grants or the scope are looked at: none of those may answer
    /// first and leave the family alive. The lookup is handed on to <see cref="RefreshAsync"/>, which needs no other.
    /// </summary>
    public async Task<OAuthResult<RefreshTokenReuseCheck>> DetectReuseAsync(OAuthParameters form, CancellationToken cancellationToken)
    {
        if (form["refresh_token"] is not { } presented || form.IsRepeated("refresh_token"))
        {
            return RefreshTokenReuseCheck.NothingFound;
        }

        var lookup = await grants.FindRefreshTokenAsync(presented, cancellationToken);
        if (lookup?.Row is { State: RefreshTokenState.Rotated } row && !(WithinGraceWindow(row) && OpenSuccessor(presented, row) is not null))
        {
            return await RevokeReusedAsync(lookup, cancellationToken);
        }

        return new RefreshTokenReuseCheck(lookup);
    }

    /// <param name="reuseCheck">What <see cref="DetectReuseAsync"/> found for this request's token.</param>
    /// <param name="dpopJkt">The thumbprint of the key of the request's DPoP proof, when it had one.</param>
    public async Task<OAuthResult<TokenResponse>> RefreshAsync(
        OAuthClient client, OAuthParameters form, RefreshTokenReuseCheck reuseCheck, string? dpopJkt, CancellationToken cancellationToken)
    {
        var lookup = reuseCheck.Lookup;
        if (form["refresh_token"] is not { } presented)
        {
            return OAuthError.InvalidRequest("The 'refresh_token' parameter is missing.");
        }

        var requestedScope = ScopeSet.Parse(form["scope"]);
        if (requestedScope is null)
        {
            return OAuthError.InvalidScope("The 'scope' parameter is malformed.");
        }

        // Two passes at most: a lost rotation race is followed by one re-read, which then finds the winner's successor.
        for (var pass = 0; pass < 2; pass++)
        {
            lookup = pass == 0 && lookup is not null ? lookup : await grants.FindRefreshTokenAsync(presented, cancellationToken);
            if (lookup?.Row is not { } row)
            {
                return OAuthError.InvalidGrant("The refresh token is invalid or expired.");
            }

            if (row.Grant.ClientId != client.ClientId)
            {
                return OAuthError.InvalidGrant("The refresh token was issued to another client.");
            }

            // RFC 9449 §5: a bound refresh token is used only with a proof of its key; refused before anything rotates.
            if (row.Grant.DpopJkt is { } boundKey && (dpopJkt is null || !SecretValues.FixedTimeEquals(boundKey, dpopJkt)))
            {
                return OAuthError.InvalidGrant("The refresh token is bound to another DPoP key.");
            }

            // Scope may be narrowed for the new access token, never widened (RFC 6749 §6).
            var catalog = await apis.GetCatalogAsync(cancellationToken);
            var grantedScope = ScopeSet.Parse(row.Grant.Scope) ?? ScopeSet.Empty;
            var target = ResourceSelection.ForToken(
                catalog, client, form, ResourceSelection.GrantedResources(row.Grant.Resources, grantedScope, catalog), grantedScope, requestedScope);
            if (!target.Succeeded)
            {
                return target.Error;
            }

            switch (row.State)
            {
                case RefreshTokenState.Active:
                    var successor = NewRefreshToken.Mint(row.FamilyId, row.Grant, clock.GetUtcNow() + options.RefreshTokenIdleLifetime);
                    var response = await IssueAsync(row, client, target.Value, successor.Value, dpopJkt, cancellationToken);
                    if (await grants.RotateAsync(row, presented, successor, cancellationToken))
                    {
                        return response;
                    }

                    continue;

                case RefreshTokenState.Rotated when WithinGraceWindow(row) && OpenSuccessor(presented, row) is { } sameSuccessor:
                    return await IssueAsync(row, client, target.Value, sameSuccessor, dpopJkt, cancellationToken);

                case RefreshTokenState.Rotated:
                    return await RevokeReusedAsync(lookup, cancellationToken);

                default:
                    return OAuthError.InvalidGrant("The refresh token was revoked.");
            }
        }

        return OAuthError.InvalidGrant("The refresh token was used concurrently; try again.");
    }

    private async Task<TokenResponse> IssueAsync(
        RefreshTokenRecord row, OAuthClient client, TokenTarget target, string refreshToken, string? dpopJkt, CancellationToken cancellationToken)
    {
        var response = await issuer.IssueAsync(
            row.FamilyId, row.Grant.Subject, client.ClientId, target, row.Grant.AuthTime, refreshToken, actor: null, notAfter: null, dpopJkt, cancellationToken);
        return await idTokens.AddToAsync(
            response, ScopeSet.Parse(target.Scope) ?? ScopeSet.Empty, client, row.Grant.Authentication(), nonce: null, cancellationToken);
    }

    private async Task<OAuthError> RevokeReusedAsync(RefreshTokenLookup lookup, CancellationToken cancellationToken)
    {
        await familyRevocation.RevokeAsync(lookup.FamilyId, FamilyRevocationReason.RefreshTokenReuse, cancellationToken);
        return OAuthError.InvalidGrant("The refresh token was already used; the authorization is revoked.");
    }

    private bool WithinGraceWindow(RefreshTokenRecord row) =>
        row.RotatedAt is { } rotatedAt && clock.GetUtcNow() < rotatedAt + options.RefreshTokenReuseGraceWindow;

    private static string? OpenSuccessor(string presented, RefreshTokenRecord row) =>
        row.SuccessorCiphertext is { } sealedSuccessor ? SuccessorEnvelope.Open(presented, sealedSuccessor) : null;
}

/// <summary>
/// What <see cref="RefreshTokenGrant.DetectReuseAsync"/> found for the request's refresh token (nothing when the token is
/// missing, repeated or malformed), handed on so that the grant does not read it again.
/// </summary>
public sealed record RefreshTokenReuseCheck(RefreshTokenLookup? Lookup)
{
    public static RefreshTokenReuseCheck NothingFound { get; } = new((RefreshTokenLookup?)null);
}
