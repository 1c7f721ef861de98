using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Tokens;

namespace Serverless.OAuth.Grants;

/// <summary>grant_type=client_credentials (RFC 6749 §4.4): confidential clients only, no refresh token, no storage write.</summary>
public sealed class ClientCredentialsGrant(AccessTokenIssuer issuer)
{
    public async Task<OAuthResult<TokenResponse>> IssueAsync(OAuthClient client, OAuthParameters form, CancellationToken cancellationToken)
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

        // offline_access and the OpenID Connect scopes mean nothing without a user, and no refresh token is issued here
        // (RFC 6749 §4.4.3).
        var allowed = client.AllowedScopes.Where(s => s != ScopeSet.OfflineAccess && !IdentityScopes.Contains(s)).ToArray();
        var scope = requested.IsEmpty ? ScopeSet.From(allowed) : requested;
        if (!scope.IsSubsetOf(allowed))
        {
            return OAuthError.InvalidScope("A requested scope is not allowed for this client.");
        }

        return await issuer.IssueAsync(SecretValues.NewId(), client.ClientId, client.ClientId, scope.ToString(), null, null, cancellationToken);
    }
}
