using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients.Assertions;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>
/// grant_type=urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693): an API acting for a user (an MCP server, say)
/// exchanges the user's access token it was called with for a token for a downstream API. Each rule is the registry's:
/// <list type="bullet">
/// <item>the subject token is one of this server's access tokens, valid now (signature, expiry, revocation);</item>
/// <item>the client asking is the API that token is for: listed among that API's <see cref="ApiResource.Introspectors"/>
/// (its own client entries), so a token cannot be exchanged by whoever intercepts it;</item>
/// <item>the target, named by <c>resource</c> or <c>audience</c>, is a registered API that lists the client among its
/// <see cref="ApiResource.ExchangeClients"/>; anything else is invalid_target;</item>
/// <item>the scopes are narrowed, never widened: within what the user allowed the app the subject token was issued to
/// (the remembered consent; for a token with no user, that app's registered scopes) and the target's scopes; anything
/// else is invalid_scope.</item>
/// </list>
/// The new token keeps the user as <c>sub</c>, names the client as the actor (<c>act</c>, nesting any earlier actor,
/// §4.1), lives no longer than the subject token, and belongs to its revocation partition, so revoking the user's
/// grant revokes it too. Nothing is stored.
/// </summary>
public sealed class TokenExchangeGrant(
    AccessTokenValidator validator, AccessTokenIssuer issuer, IApiStore apis, IConsentStore consents, IClientStore clients, ILogger<TokenExchangeGrant> logger)
{
    public const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    public async Task<OAuthResult<TokenResponse>> ExchangeAsync(OAuthClient client, OAuthParameters form, string? dpopJkt, CancellationToken cancellationToken)
    {
        if (client.IsPublic)
        {
            return OAuthError.UnauthorizedClient("Only a confidential client (an API acting for a user) may exchange tokens.");
        }

        if (form["subject_token"] is not { Length: > 0 } subjectToken || form["subject_token_type"] is not { } subjectTokenType)
        {
            return OAuthError.InvalidRequest("'subject_token' and 'subject_token_type' are required.");
        }

        if (subjectTokenType != AccessTokenType || form["requested_token_type"] is { } requested && requested != AccessTokenType)
        {
            return OAuthError.InvalidRequest($"Only access tokens of this server are exchanged, for access tokens ({AccessTokenType}).");
        }

        if (form["actor_token"] is not null || form["actor_token_type"] is not null)
        {
            return OAuthError.InvalidRequest("The authenticated client is the actor; 'actor_token' is not accepted.");
        }

        var validated = await validator.ValidateAsync(subjectToken, audience: null, cancellationToken);
        if (!validated.Succeeded)
        {
            return OAuthError.InvalidGrant("The subject token is not a valid access token of this server.");
        }

        var subject = validated.Value;
        var catalog = await apis.GetCatalogAsync(cancellationToken);
        if (catalog.Find(subject.Audience) is not { } source || !source.MayIntrospect(client.ClientId))
        {
            return OAuthError.InvalidGrant("The subject token is not for an API this client acts as.");
        }

        var target = Target(catalog, client, form);
        if (!target.Succeeded)
        {
            return target.Error;
        }

        var scope = await ScopeAsync(subject, target.Value, form, cancellationToken);
        if (!scope.Succeeded)
        {
            return scope.Error;
        }

        SecretValues.TrySplit(subject.JwtId, out var partition, out _);
        var response = await issuer.IssueAsync(
            partition, subject.Subject, client.ClientId, new TokenTarget(target.Value, scope.Value.ToString()), subject.AuthTime, refreshToken: null,
            Actor(client.ClientId, subjectToken), notAfter: subject.ExpiresAt, dpopJkt, cancellationToken);
        AssertionEvents.TokenExchanged(logger, client.ClientId, subject.Subject, source.Identifier, target.Value.Identifier);
        return response with { IssuedTokenType = AccessTokenType };
    }

    /// <summary>The one API named by resource (RFC 8707) or audience (RFC 8693 §2.1), and that the registry lets this client exchange for.</summary>
    private static OAuthResult<ApiResource> Target(ApiCatalog catalog, OAuthClient client, OAuthParameters form)
    {
        var resource = form[ResourceSelection.Parameter];
        var audience = form["audience"];
        if ((resource ?? audience) is not { } named)
        {
            return OAuthError.InvalidTarget("Name the API the token is for, with 'resource' or 'audience'.");
        }

        if (resource is not null && audience is not null && resource != audience)
        {
            return OAuthError.InvalidTarget("'resource' and 'audience' name different APIs; a token is for one.");
        }

        if (catalog.Find(named) is not { } api)
        {
            return OAuthError.InvalidTarget("The resource is not registered with this server.");
        }

        return api.MayBeExchangedFor(client.ClientId)
            ? api
            : OAuthError.InvalidTarget("This client may not exchange tokens for this resource.");
    }

    /// <summary>The scopes of the new token: asked for, or all that are left, within the user's grant and the target's scopes.</summary>
    private async Task<OAuthResult<ScopeSet>> ScopeAsync(ValidatedAccessToken subject, ApiResource target, OAuthParameters form, CancellationToken cancellationToken)
    {
        if (ScopeSet.Parse(form["scope"]) is not { } requested)
        {
            return OAuthError.InvalidScope("The 'scope' parameter is malformed.");
        }

        ScopeSet granted;
        if (subject.Subject == subject.ClientId)
        {
            // No user: a client's own token (client credentials) carries what that client is registered for.
            granted = await clients.FindAsync(subject.ClientId, cancellationToken) is { } app ? ScopeSet.From(app.AllowedScopes) : ScopeSet.Empty;
        }
        else if (await consents.FindAsync(subject.Subject, subject.ClientId, cancellationToken) is { } consent)
        {
            granted = consent.Scope;
        }
        else
        {
            return OAuthError.InvalidGrant("The user's authorization of the app the token was issued to is gone.");
        }

        var available = granted.Values.Where(target.HasScope).ToList();
        var scope = requested.IsEmpty ? ScopeSet.From(available) : requested;
        if (scope.IsEmpty || !scope.IsSubsetOf(available))
        {
            return OAuthError.InvalidScope("The requested scope is not within what the user allowed for the target API.");
        }

        return scope;
    }

    /// <summary>act (RFC 8693 §4.1): this client, and within it the subject token's own actor, if it had one.</summary>
    private static string Actor(string clientId, string subjectToken)
    {
        var earlier = new JsonWebToken(subjectToken).TryGetPayloadValue<JsonElement>("act", out var act) && act.ValueKind == JsonValueKind.Object ? act : (JsonElement?)null;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("sub", clientId);
            if (earlier is { } nested)
            {
                json.WritePropertyName("act");
                nested.WriteTo(json);
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
