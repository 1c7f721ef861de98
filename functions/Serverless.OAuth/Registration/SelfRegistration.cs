using Serverless.OAuth.Apis;
using Serverless.OAuth.Options;

namespace Serverless.OAuth.Registration;

/// <summary>
/// What a client that registers itself (RFC 7591, or a Client ID Metadata Document) may hold: the scopes of the APIs
/// <see cref="DynamicRegistrationOptions.Resources"/> names (all APIs when it names none) and the server's own scopes,
/// narrowed to <see cref="DynamicRegistrationOptions.Scopes"/> when set; tokens for those APIs only (and the server's
/// UserInfo), not for every API open to all clients; and, when one API is named, that API as its default resource.
/// </summary>
public static class SelfRegistration
{
    public static IReadOnlyList<string> RegistrableScopes(OAuthServerOptions options, ApiCatalog apis)
    {
        var policy = options.DynamicRegistration;
        var fromApis = apis.All
            .Where(api => policy.Resources.Count == 0 || policy.Resources.Contains(api.Identifier, StringComparer.Ordinal))
            .SelectMany(api => api.Scopes.Select(s => s.Name));
        var all = options.ServerScopes.Concat(fromApis).Distinct(StringComparer.Ordinal);
        return [.. policy.Scopes.Count == 0 ? all : all.Where(s => policy.Scopes.Contains(s, StringComparer.Ordinal))];
    }

    /// <summary>
    /// A client that registers the refresh_token grant asks to stay signed in: every MCP SDK registers it, and the
    /// TypeScript SDK 1.x never asks offline_access, so without this its user would sign in again each time the access
    /// token expires. OpenID Connect requests still need offline_access (<see cref="Clients.OAuthClient.IssuesRefreshToken"/>).
    /// </summary>
    public static bool RefreshWithoutOfflineAccess(IReadOnlyList<string> grantTypes) =>
        grantTypes.Contains(Clients.GrantTypes.RefreshToken, StringComparer.Ordinal);

    public static IReadOnlyList<string> AllowedResources(OAuthServerOptions options) => [.. options.DynamicRegistration.Resources];

    public static string? DefaultResource(OAuthServerOptions options) =>
        options.DynamicRegistration.Resources is [var only] ? only : null;
}
