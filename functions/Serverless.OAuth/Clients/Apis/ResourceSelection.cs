using Serverless.OAuth.Clients;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients.Apis;

/// <summary>What an authorization covers: its scope (the server's own scopes and API scopes) and the APIs it is for.</summary>
public sealed record AuthorizedResources(ScopeSet Scope, IReadOnlyList<string> Resources);

/// <summary>What one access token is for: one API (its <c>aud</c>) and the scope it carries.</summary>
public sealed record TokenTarget(ApiResource Api, string Scope);

/// <summary>
/// RFC 8707 resource indicators. At /authorize a request may name several resources (§2.1), and its scopes must
/// belong to them; without one, its API scopes say which APIs it is for (scope names are unique across APIs), or
/// else the client's default resource. Each token request then narrows to one API (§2.2): an access token has one
/// audience, so more than one <c>resource</c> there is invalid_target, and without one the grant's only API, or the
/// client's default, is taken. A token carries only that API's granted scopes, beside the server's own scopes of the
/// grant (such as offline_access), which belong to no API.
/// </summary>
public static class ResourceSelection
{
    public const string Parameter = "resource";

    public static OAuthResult<AuthorizedResources> ForAuthorization(
        ApiCatalog apis, OAuthClient client, IReadOnlyList<string> requestedResources, ScopeSet requestedScope, IReadOnlyCollection<string> serverScopes)
    {
        var resources = new List<ApiResource>();
        foreach (var value in requestedResources)
        {
            var api = Registered(apis, client, value);
            if (!api.Succeeded)
            {
                return api.Error;
            }

            if (!resources.Contains(api.Value))
            {
                resources.Add(api.Value);
            }
        }

        // No scope asked: the client's registered scopes are the default (RFC 6749 §3.3), those of the named APIs when it named some.
        var scope = requestedScope.IsEmpty
            ? ScopeSet.From(client.AllowedScopes.Where(s => IsUsable(apis, client, s, serverScopes) && (resources.Count == 0 || apis.OwnerOf(s) is not { } owner || resources.Contains(owner))))
            : requestedScope;
        foreach (var name in scope.Values)
        {
            if (!client.AllowedScopes.Contains(name, StringComparer.Ordinal) || !IsUsable(apis, client, name, serverScopes))
            {
                return OAuthError.InvalidScope("A requested scope is unknown or not allowed for this client.");
            }

            if (resources.Count > 0 && apis.OwnerOf(name) is { } owner && !resources.Contains(owner))
            {
                return OAuthError.InvalidTarget($"The scope '{name}' belongs to another resource than the ones requested.");
            }
        }

        if (requestedResources.Count == 0)
        {
            resources.AddRange(ApisOf(apis, scope));
            if (resources.Count == 0 && DefaultResource(apis, client) is { } fallback)
            {
                resources.Add(fallback);
            }

            // Only "openid" and the like: the access token is for the server's own UserInfo (OpenID Connect Core §5.3).
            if (resources.Count == 0 && scope.Contains(IdentityScopes.OpenId) && apis.UserInfo is { } userInfo)
            {
                resources.Add(userInfo);
            }
        }

        return new AuthorizedResources(scope, [.. resources.Select(api => api.Identifier)]);
    }

    /// <summary>
    /// The one API a token request is for, among <paramref name="candidates"/> (the grant's APIs; for client_credentials,
    /// those of the client's scopes), and the token's scope: <paramref name="requestedScope"/> when it narrows what was
    /// granted for that API (RFC 6749 §6), or all of it.
    /// </summary>
    public static OAuthResult<TokenTarget> ForToken(
        ApiCatalog apis, OAuthClient client, OAuthParameters form, IEnumerable<string> candidates, ScopeSet grantedScope, ScopeSet requestedScope)
    {
        if (form.IsRepeated(Parameter))
        {
            return OAuthError.InvalidTarget("Ask for one resource per token request: an access token has one audience (RFC 8707 §2.2).");
        }

        var pool = candidates.Select(apis.Find).OfType<ApiResource>().Where(api => MayUse(apis, client, api)).Distinct().ToList();
        ApiResource api;
        if (form[Parameter] is { } value)
        {
            if (ResourceIndicator.Problem(value) is { } problem)
            {
                return OAuthError.InvalidTarget(problem);
            }

            if (pool.FirstOrDefault(c => ResourceIndicator.Comparer.Equals(c.Identifier, value)) is not { } named)
            {
                return OAuthError.InvalidTarget("The resource is unknown, not allowed for this client, or not covered by this grant.");
            }

            api = named;
        }
        else
        {
            // The requested scopes may say which API; otherwise the only one, or the client's default.
            var byScope = ApisOf(apis, requestedScope).ToList();
            var among = byScope.Count > 0 ? pool.Where(byScope.Contains).ToList() : pool;
            if ((among.Count == 1 ? among[0] : among.FirstOrDefault(c => client.DefaultResource is { } d && ResourceIndicator.Comparer.Equals(c.Identifier, d))) is not { } chosen)
            {
                return OAuthError.InvalidTarget(among.Count == 0
                    ? "No resource this client may use is covered by this grant."
                    : "The grant covers several resources: name one with the 'resource' parameter.");
            }

            api = chosen;
        }

        var available = grantedScope.Values.Where(s => apis.OwnerOf(s) is not { } owner || owner == api).ToArray();
        foreach (var name in requestedScope.Values)
        {
            if (apis.OwnerOf(name) is { } owner && owner != api)
            {
                return OAuthError.InvalidTarget($"The scope '{name}' belongs to another resource.");
            }

            if (!available.Contains(name, StringComparer.Ordinal))
            {
                return OAuthError.InvalidScope("The requested scope exceeds the scope granted.");
            }
        }

        return new TokenTarget(api, (requestedScope.IsEmpty ? ScopeSet.From(available) : requestedScope).ToString());
    }

    /// <summary>
    /// The APIs a stored grant covers: its recorded resources, or, for a grant recorded before resources were, the APIs
    /// of its scopes (unique scope names make that exact).
    /// </summary>
    public static IReadOnlyList<string> GrantedResources(string? recorded, ScopeSet scope, ApiCatalog apis) =>
        recorded is { Length: > 0 } ? recorded.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [.. ApisOf(apis, scope).Select(api => api.Identifier)];

    /// <summary>The APIs a client_credentials token may be for: those of the client's scopes, and its default resource.</summary>
    public static IEnumerable<string> ClientResources(ApiCatalog apis, OAuthClient client) =>
        ApisOf(apis, ScopeSet.From(client.AllowedScopes)).Select(api => api.Identifier).Append(client.DefaultResource).OfType<string>();

    /// <summary>The client's default resource when registered and allowed, or else the one API its scopes belong to.</summary>
    public static ApiResource? DefaultResource(ApiCatalog apis, OAuthClient client)
    {
        if (client.DefaultResource is { } configured && apis.Find(configured) is { } api && MayUse(apis, client, api))
        {
            return api;
        }

        var own = ApisOf(apis, ScopeSet.From(client.AllowedScopes)).Where(a => MayUse(apis, client, a)).ToList();
        return own.Count == 1 ? own[0] : null;
    }

    private static OAuthResult<ApiResource> Registered(ApiCatalog apis, OAuthClient client, string value)
    {
        if (ResourceIndicator.Problem(value) is { } problem)
        {
            return OAuthError.InvalidTarget(problem);
        }

        if (apis.Find(value) is not { } api)
        {
            return OAuthError.InvalidTarget("The resource is not registered with this server.");
        }

        return MayUse(apis, client, api) ? api : OAuthError.InvalidTarget("The client may not ask for this resource.");
    }

    private static bool IsUsable(ApiCatalog apis, OAuthClient client, string scope, IReadOnlyCollection<string> serverScopes) =>
        apis.OwnerOf(scope) is { } owner ? MayUse(apis, client, owner) : serverScopes.Contains(scope);

    /// <summary>
    /// The one rule of who may have a token for an API: the API allows the client, and the client's own list, if it
    /// has one, names the API. The server's UserInfo is for every client: it carries only the server's own scopes.
    /// </summary>
    private static bool MayUse(ApiCatalog apis, OAuthClient client, ApiResource api) =>
        api.Allows(client.ClientId)
        && (client.AllowedResources.Count == 0 || client.AllowedResources.Contains(api.Identifier, ResourceIndicator.Comparer) || api.Identifier == apis.UserInfo?.Identifier);

    private static IEnumerable<ApiResource> ApisOf(ApiCatalog apis, ScopeSet scope) =>
        scope.Values.Select(apis.OwnerOf).OfType<ApiResource>().Distinct();
}
