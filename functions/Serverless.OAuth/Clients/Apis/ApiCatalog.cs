using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients.Apis;

/// <summary>
/// The registered APIs at one moment, indexed by identifier and by scope. Scope names are unique across APIs
/// (<see cref="ApiRegistration"/> keeps them so), which is what lets a plain scope parameter name its API.
/// </summary>
public sealed class ApiCatalog
{
    private readonly Dictionary<string, ApiResource> _byIdentifier;
    private readonly Dictionary<string, ApiResource> _byScope;

    /// <param name="userInfo">The server's own UserInfo endpoint as an API (<see cref="UserInfo"/>), when there is one.</param>
    public ApiCatalog(IEnumerable<ApiResource> apis, ApiResource? userInfo = null)
    {
        // RFC 3986 §6.2.2-6.2.3: any equivalent spelling finds the API (ApiRegistration refuses two equivalent ones).
        _byIdentifier = new(ResourceIndicator.Comparer);
        _byScope = new(StringComparer.Ordinal);
        UserInfo = userInfo;
        foreach (var api in userInfo is null ? apis : apis.Append(userInfo))
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

    /// <summary>
    /// The audience of an access token whose grant covers no API but "openid" (a relying party that only signs users
    /// in): the server's UserInfo endpoint, which takes it. It has no scopes of its own and is open to every client.
    /// </summary>
    public ApiResource? UserInfo { get; }

    /// <summary>The UserInfo endpoint of the server with this issuer, as an API.</summary>
    public static ApiResource UserInfoOf(string issuer) =>
        new() { Identifier = issuer.TrimEnd('/') + "/userinfo", Name = "your sign-in details (UserInfo)" };

    /// <summary>Every API's scope names, each once.</summary>
    public IEnumerable<string> ScopeNames => _byScope.Keys;

    /// <summary>The API with this identifier in any equivalent spelling (<see cref="ResourceIndicator.NormalForm"/>).</summary>
    public ApiResource? Find(string identifier) => _byIdentifier.GetValueOrDefault(identifier);

    /// <summary>The API a scope belongs to; null for the server's own scopes and unknown ones.</summary>
    public ApiResource? OwnerOf(string scope) => _byScope.GetValueOrDefault(scope);

    /// <summary>The longest access token life of any API: how long a revocation marker must outlive its family's tokens.</summary>
    public TimeSpan LongestAccessTokenLifetime(TimeSpan serverDefault) =>
        _byIdentifier.Values.Select(api => api.AccessTokenLifetime ?? serverDefault).DefaultIfEmpty(serverDefault).Max();
}
