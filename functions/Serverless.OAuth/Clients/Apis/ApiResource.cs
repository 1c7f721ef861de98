namespace Serverless.OAuth.Clients.Apis;

/// <summary>One scope of an API, with the words the consent page shows for it.</summary>
public sealed record ApiScope(string Name, string Description);

/// <summary>
/// An API this server issues access tokens for (a resource server, RFC 8707): its <see cref="Identifier"/> is the
/// resource indicator clients send and the <c>aud</c> of every token for it (one audience per token). Its scope names
/// are unique across all APIs, so a scope alone says which API it belongs to.
/// </summary>
public sealed record ApiResource
{
    /// <summary>An absolute URI without a fragment (RFC 8707 §2), compared exactly as registered.</summary>
    public required string Identifier { get; init; }

    public required string Name { get; init; }

    public IReadOnlyList<ApiScope> Scopes { get; init; } = [];

    /// <summary>The life of this API's access tokens; null takes the server's <c>OAuth:AccessTokenLifetime</c>.</summary>
    public TimeSpan? AccessTokenLifetime { get; init; }

    /// <summary>The clients that may ask for this API's tokens; empty means any client.</summary>
    public IReadOnlyList<string> AllowedClients { get; init; } = [];

    /// <summary>
    /// The confidential clients this API authenticates as at /introspect (its own client entries): they are told about
    /// this API's access tokens, and about no other API's (RFC 7662 §2.2 lets the answer be inactive).
    /// </summary>
    public IReadOnlyList<string> Introspectors { get; init; } = [];

    /// <summary>
    /// The clients that may exchange a token of another API for one of this API's (RFC 8693 token exchange): each is an
    /// API acting for the user (an MCP server, say), and must be listed among the <see cref="Introspectors"/> of the
    /// API the presented token is for, its own client entry. Empty: no exchange yields this API's tokens.
    /// </summary>
    public IReadOnlyList<string> ExchangeClients { get; init; } = [];

    public bool MayBeExchangedFor(string clientId) => ExchangeClients.Contains(clientId, StringComparer.Ordinal);

    public bool Allows(string clientId) => AllowedClients.Count == 0 || AllowedClients.Contains(clientId, StringComparer.Ordinal);

    public bool MayIntrospect(string clientId) => Introspectors.Contains(clientId, StringComparer.Ordinal);

    public bool HasScope(string scope) => Scopes.Any(s => s.Name == scope);

    public string? Describe(string scope) => Scopes.FirstOrDefault(s => s.Name == scope)?.Description;
}
