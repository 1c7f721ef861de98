namespace Serverless.OAuth.Apis;

/// <summary>
/// The registered APIs at one moment, indexed by identifier and by scope. Scope names are unique across APIs
/// (<see cref="ApiRegistration"/> keeps them so), which is what lets a plain scope parameter name its API.
/// </summary>
public sealed class ApiCatalog
{
    private readonly Dictionary<string, ApiResource> _byIdentifier;
    private readonly Dictionary<string, ApiResource> _byScope;

    public ApiCatalog(IEnumerable<ApiResource> apis)
    {
        _byIdentifier = new(StringComparer.Ordinal);
        _byScope = new(StringComparer.Ordinal);
        foreach (var api in apis)
        {
            _byIdentifier.TryAdd(api.Identifier, api);
            foreach (var scope in api.Scopes)
            {
                // Rows written around the uniqueness check: the first API to claim a scope keeps it.
                _byScope.TryAdd(scope.Name, api);
            }
        }
    }

    public IReadOnlyCollection<ApiResource> All => _byIdentifier.Values;

    public ApiResource? Find(string identifier) => _byIdentifier.GetValueOrDefault(identifier);

    /// <summary>The API a scope belongs to; null for the server's own scopes and unknown ones.</summary>
    public ApiResource? OwnerOf(string scope) => _byScope.GetValueOrDefault(scope);

    /// <summary>The longest access token life of any API: how long a revocation marker must outlive its family's tokens.</summary>
    public TimeSpan LongestAccessTokenLifetime(TimeSpan serverDefault) =>
        _byIdentifier.Values.Select(api => api.AccessTokenLifetime ?? serverDefault).DefaultIfEmpty(serverDefault).Max();
}
