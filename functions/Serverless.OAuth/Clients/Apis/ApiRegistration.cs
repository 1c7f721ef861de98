using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients.Apis;

/// <summary>
/// The rules of a valid API entry: an identifier that can be a resource indicator, a name, scope names that are
/// valid scope tokens (RFC 6749 §3.3), not the server's own and not claimed by another API, a sensible token life,
/// and client ids of the right form.
/// </summary>
public static class ApiRegistration
{
    public static readonly TimeSpan MaxAccessTokenLifetime = TimeSpan.FromDays(1);

    /// <summary>Every problem with <paramref name="api"/>, worded for the admin; empty when it may be stored.</summary>
    public static IReadOnlyList<string> Problems(ApiResource api, IEnumerable<ApiResource> others, OAuthServerOptions options)
    {
        var problems = new List<string>();
        if (ResourceIndicator.Problem(api.Identifier) is { } identifier)
        {
            problems.Add($"--identifier: {identifier}");
        }

        // One API per resource: an identifier equivalent to another API's (RFC 3986 §6.2.2-6.2.3) would make a
        // resource parameter name two APIs. The same spelling is the same API (an update).
        if (others.FirstOrDefault(o => o.Identifier != api.Identifier && ResourceIndicator.Comparer.Equals(o.Identifier, api.Identifier)) is { } twin)
        {
            problems.Add($"--identifier: it names the same resource as {twin.Identifier} (RFC 3986 §6.2.2-6.2.3); update that API instead.");
        }

        if (string.IsNullOrWhiteSpace(api.Name))
        {
            problems.Add("--name is required.");
        }

        var claimed = others.Where(o => o.Identifier != api.Identifier)
            .SelectMany(o => o.Scopes.Select(s => (s.Name, o.Identifier)))
            .ToDictionary(x => x.Name, x => x.Identifier, StringComparer.Ordinal);
        foreach (var scope in api.Scopes)
        {
            if (!ScopeSet.IsValidToken(scope.Name))
            {
                problems.Add($"'{scope.Name}' is not a valid scope name.");
            }
            else if (options.ServerScopes.Contains(scope.Name))
            {
                problems.Add($"'{scope.Name}' is one of the server's own scopes, not an API's.");
            }
            else if (claimed.TryGetValue(scope.Name, out var owner))
            {
                problems.Add($"The scope '{scope.Name}' belongs to {owner}: scope names are unique across APIs.");
            }
        }

        if (api.Scopes.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != api.Scopes.Count)
        {
            problems.Add("A scope is listed twice.");
        }

        if (api.AccessTokenLifetime is { } lifetime && (lifetime < TimeSpan.FromMinutes(1) || lifetime > MaxAccessTokenLifetime))
        {
            problems.Add("--token-lifetime must be between 1 minute and 1 day.");
        }

        problems.AddRange(api.AllowedClients.Concat(api.Introspectors).Concat(api.ExchangeClients).Where(id => !OAuthClient.IsValidClientId(id)).Select(id => $"'{id}' is not a valid client_id."));
        return problems;
    }
}
