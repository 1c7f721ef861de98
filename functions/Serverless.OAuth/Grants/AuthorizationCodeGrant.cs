using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>
/// grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6), with an ID token when "openid" was granted (OpenID
/// Connect Core §3.1.3.3). The tokens are signed before the code is spent, so a signer failure leaves the code usable
/// for a retry; the code is then spent, and the first refresh token written, in one transaction that exactly one of any
/// concurrent redemptions commits. A replayed code revokes what it issued (RFC 6749 §4.1.2). The access token is for
/// one of the APIs the code covers (RFC 8707 §2.2).
/// </summary>
public sealed class AuthorizationCodeGrant(
    IGrantStore grants,
    IApiStore apis,
    FamilyRevocation familyRevocation,
    AccessTokenIssuer issuer,
    IdTokenIssuer idTokens,
    OAuthServerOptions options,
    TimeProvider clock)
{
    /// <param name="dpopJkt">The thumbprint of the key of the request's DPoP proof, when it had one: the tokens are bound to it.</param>
    public async Task<OAuthResult<TokenResponse>> ExchangeAsync(OAuthClient client, OAuthParameters form, string? dpopJkt, CancellationToken cancellationToken)
    {
        var code = form["code"];
        if (code is null)
        {
            return OAuthError.InvalidRequest("The 'code' parameter is missing.");
        }

        if (form["redirect_uri"] is not { } redirectUri)
        {
            return OAuthError.InvalidRequest("The 'redirect_uri' parameter is missing.");
        }

        var lookup = await grants.FindCodeAsync(code, cancellationToken);
        if (lookup is { Redeemed: true })
        {
            await familyRevocation.RevokeAsync(lookup.FamilyId, FamilyRevocationReason.CodeReplay, cancellationToken);
            return OAuthError.InvalidGrant("The authorization code was already used.");
        }

        if (lookup?.Code is not { } stored)
        {
            return OAuthError.InvalidGrant("The authorization code is invalid or expired.");
        }

        var bound = stored.Grant;
        var error = ValidateClientBinding(bound, client)
            ?? ValidateRedirectUriBinding(bound, redirectUri)
            ?? ValidateCodeVerifier(bound, form["code_verifier"])
            ?? ValidateDpopKeyBinding(bound, dpopJkt);
        if (error is not null)
        {
            return error;
        }

        var catalog = await apis.GetCatalogAsync(cancellationToken);
        var grantedScope = ScopeSet.Parse(bound.Scope) ?? ScopeSet.Empty;
        var resources = ResourceSelection.GrantedResources(bound.Resources, grantedScope, catalog);
        var target = ResourceSelection.ForToken(catalog, client, form, resources, grantedScope, requestedScope: ScopeSet.Empty);
        if (!target.Succeeded)
        {
            return target.Error;
        }

        var now = clock.GetUtcNow();
        // A public client's refresh tokens are bound to its DPoP key (RFC 9449 §5); a confidential client's are bound
        // by its authentication already.
        var refreshToken = client.IssuesRefreshToken(grantedScope)
            ? FirstRefreshToken(stored, resources, now, client.IsPublic ? dpopJkt : null)
            : null;
        var response = await issuer.IssueAsync(
            stored.FamilyId, bound.Subject, client.ClientId, target.Value, bound.AuthTime, refreshToken?.Value, actor: null, notAfter: null, dpopJkt, cancellationToken);
        response = await idTokens.AddToAsync(response, grantedScope, client, bound.Authentication(), bound.Nonce, cancellationToken);

        var familyExpiresAt = refreshToken?.Grant.AbsoluteExpiresAt ?? now + issuer.LifetimeOf(target.Value.Api);
        if (!await grants.RedeemCodeAsync(stored, familyExpiresAt, refreshToken, cancellationToken))
        {
            // Another redemption of the same code committed first: this one is a replay.
            await familyRevocation.RevokeAsync(stored.FamilyId, FamilyRevocationReason.CodeReplay, cancellationToken);
            return OAuthError.InvalidGrant("The authorization code was already used.");
        }

        return response;
    }

    private static OAuthError? ValidateClientBinding(CodeGrant code, OAuthClient client) =>
        code.ClientId == client.ClientId ? null : OAuthError.InvalidGrant("The authorization code was issued to another client.");

    private static OAuthError? ValidateRedirectUriBinding(CodeGrant code, string redirectUri) =>
        code.RedirectUri == redirectUri ? null : OAuthError.InvalidGrant("The 'redirect_uri' does not match the authorization request.");

    /// <summary>RFC 9449 §10: a code requested with dpop_jkt is redeemed only with a proof of that key.</summary>
    private static OAuthError? ValidateDpopKeyBinding(CodeGrant code, string? dpopJkt) =>
        code.DpopJkt is null || (dpopJkt is not null && SecretValues.FixedTimeEquals(code.DpopJkt, dpopJkt))
            ? null
            : OAuthError.InvalidGrant("The authorization request's dpop_jkt does not match the DPoP proof's key.");

    private static OAuthError? ValidateCodeVerifier(CodeGrant code, string? verifier)
    {
        if (code.CodeChallenge is null)
        {
            // A verifier for a code issued without a challenge is a downgrade attempt (RFC 9700 §2.1.1).
            return verifier is null ? null : OAuthError.InvalidGrant("'code_verifier' was sent, but the authorization request had no code_challenge.");
        }

        if (verifier is null)
        {
            return OAuthError.InvalidRequest("The 'code_verifier' parameter is missing.");
        }

        return Pkce.IsValidVerifier(verifier) && Pkce.Verify(verifier, code.CodeChallenge)
            ? null
            : OAuthError.InvalidGrant("The 'code_verifier' does not match the code_challenge.");
    }

    private NewRefreshToken FirstRefreshToken(IssuedCode code, IReadOnlyList<string> resources, DateTimeOffset now, string? dpopJkt) => NewRefreshToken.Mint(
        code.FamilyId,
        new RefreshGrant
        {
            ClientId = code.Grant.ClientId,
            Subject = code.Grant.Subject,
            Scope = code.Grant.Scope,
            Resources = string.Join(' ', resources),
            AuthTime = code.Grant.AuthTime,
            AuthenticationMethods = code.Grant.AuthenticationMethods,
            SessionId = code.Grant.SessionId,
            DpopJkt = dpopJkt,
            AbsoluteExpiresAt = now + options.RefreshTokenAbsoluteLifetime,
        },
        now + options.RefreshTokenIdleLifetime);
}
