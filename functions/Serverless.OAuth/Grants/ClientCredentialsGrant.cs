using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>
/// grant_type=client_credentials (RFC 6749 §4.4): confidential clients only, no refresh token, no storage write. The
/// token is for one API among those of the client's scopes (RFC 8707 §2.2).
/// </summary>
public sealed class ClientCredentialsGrant(AccessTokenIssuer issuer, IApiStore apis)
{
    public async Task<OAuthResult<TokenResponse>> IssueAsync(OAuthClient client, OAuthParameters form, string? dpopJkt, CancellationToken cancellationToken)
    {
        if (client.IsPublic)
        {
            return OAuthError.UnauthorizedClient("Public clients cannot use the client credentials grant.");
        }

        var requested = ScopeSet.Parse(form["scope"]);
        if (requested is null)
        {
            return OAuthError.InvalidScope("The 'scope' parameter is malformed.");
        }

        // Only API scopes: the server's own (offline_access and the like) mean nothing without a user, and no refresh
        // token is issued here (RFC 6749 §4.4.3).
        var catalog = await apis.GetCatalogAsync(cancellationToken);
        var allowed = ScopeSet.From(client.AllowedScopes.Where(s => catalog.OwnerOf(s) is not null));
        var target = ResourceSelection.ForToken(catalog, client, form, ResourceSelection.ClientResources(catalog, client), allowed, requested);
        if (!target.Succeeded)
        {
            return target.Error;
        }

        return await issuer.IssueAsync(
            SecretValues.NewId(), client.ClientId, client.ClientId, target.Value, null, null, actor: null, notAfter: null, dpopJkt, cancellationToken);
    }
}
