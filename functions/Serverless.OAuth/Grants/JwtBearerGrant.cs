using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients.Assertions;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>
/// grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer (RFC 7523 §2.1): a confidential client presents an identity
/// provider's signed assertion about a user (the MCP enterprise-managed authorization extension's identity assertion)
/// and gets an access token for that user. The IdP must be one the operator trusts (<see cref="JwtBearerGrantOptions"/>;
/// keys by its discovery), the assertion for this server (<c>aud</c>), short-lived, used once (<c>jti</c>, across
/// instances), and, when it names a <c>client_id</c>, for this client. The token's <c>sub</c> is the assertion's; its
/// scope is within the client's, and within the assertion's <c>scope</c> when it has one; its API is the one the
/// request (or the assertion's <c>resource</c>) names. Every refusal of the assertion is invalid_grant (RFC 7523 §3.1).
/// </summary>
public sealed class JwtBearerGrant(
    TrustedIssuers issuers,
    ClientAssertionAuthenticator assertions,
    OneTimeIds oneTimeIds,
    AccessTokenIssuer issuer,
    IApiStore apis,
    OAuthServerOptions options,
    ILogger<JwtBearerGrant> logger)
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    public async Task<OAuthResult<TokenResponse>> IssueAsync(OAuthClient client, OAuthParameters form, string? dpopJkt, CancellationToken cancellationToken)
    {
        if (client.IsPublic)
        {
            return OAuthError.UnauthorizedClient("Only a confidential client may use the JWT-bearer grant.");
        }

        if (form["assertion"] is not { Length: > 0 and <= ClientAssertionAuthenticator.MaxAssertionLength } assertion || !_handler.CanReadToken(assertion))
        {
            return OAuthError.InvalidRequest("'assertion' must be a signed JWT.");
        }

        var unverified = _handler.ReadJsonWebToken(assertion);
        var trusted = options.JwtBearer.Issuers.FirstOrDefault(i => i.Issuer == unverified.Issuer);
        if (trusted is null || (trusted.Clients.Count > 0 && !trusted.Clients.Contains(client.ClientId, StringComparer.Ordinal)))
        {
            return Refused(client, "issuer not trusted for this client");
        }

        var parameters = assertions.Parameters(trusted.Issuer, trusted.Audience is { } audience ? [audience] : assertions.Audiences, null, options.ClientAssertions.MaxLifetime);
        parameters.ConfigurationManager = issuers.For(trusted.Issuer);
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(assertion, parameters);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            return Refused(client, "the issuer's keys are unavailable");
        }

        if (!result.IsValid)
        {
            return Refused(client, result.Exception?.GetType().Name ?? "invalid");
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (!jwt.TryGetPayloadValue<string>("sub", out var subject) || subject is not { Length: > 0 and <= 256 })
        {
            return Refused(client, "no subject");
        }

        if (jwt.TryGetPayloadValue<string>("client_id", out var boundClient) && boundClient != client.ClientId)
        {
            return Refused(client, "the assertion is for another client");
        }

        if (!jwt.TryGetPayloadValue<string>("jti", out var jti) || jti is not { Length: > 0 and <= 512 })
        {
            return Refused(client, "no jti");
        }

        var target = await TargetAsync(client, form, jwt, cancellationToken);
        if (!target.Succeeded)
        {
            return target.Error;
        }

        // Last, so that a refused request records nothing.
        if (!await oneTimeIds.TryUseAsync("jwt_bearer:" + trusted.Issuer, jti, jwt.ValidTo + options.ClientAssertions.ClockSkew, cancellationToken))
        {
            return Refused(client, "jti used before");
        }

        return await issuer.IssueAsync(
            SecretValues.NewId(), subject, client.ClientId, target.Value, authTime: null, refreshToken: null, actor: null, notAfter: null, dpopJkt, cancellationToken);
    }

    private async Task<OAuthResult<TokenTarget>> TargetAsync(OAuthClient client, OAuthParameters form, JsonWebToken jwt, CancellationToken cancellationToken)
    {
        var requested = ScopeSet.Parse(form["scope"]);
        if (requested is null)
        {
            return OAuthError.InvalidScope("The 'scope' parameter is malformed.");
        }

        var asserted = jwt.TryGetPayloadValue<string>("scope", out var scopeClaim) ? ScopeSet.Parse(scopeClaim) : null;
        if (asserted is not null)
        {
            if (requested.IsEmpty)
            {
                requested = asserted;
            }
            else if (!requested.IsSubsetOf(asserted.Values))
            {
                return OAuthError.InvalidScope("The requested scope is wider than the assertion's.");
            }
        }

        var catalog = await apis.GetCatalogAsync(cancellationToken);
        var allowed = ScopeSet.From(client.AllowedScopes.Where(s => catalog.OwnerOf(s) is not null));
        var target = ResourceSelection.ForToken(catalog, client, form, ResourceSelection.ClientResources(catalog, client), allowed, requested);
        if (target.Succeeded && jwt.TryGetPayloadValue<string>("resource", out var resource) && resource != target.Value.Api.Identifier)
        {
            return OAuthError.InvalidTarget("The assertion is for another resource.");
        }

        return target;
    }

    private OAuthError Refused(OAuthClient client, string reason)
    {
        AssertionEvents.JwtBearerRefused(logger, client.ClientId, reason);
        return OAuthError.InvalidGrant("The assertion is not acceptable.");
    }
}
