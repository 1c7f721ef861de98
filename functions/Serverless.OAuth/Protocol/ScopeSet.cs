namespace Serverless.OAuth.Protocol;

/// <summary>A scope parameter (RFC 6749 §3.3): space-delimited, case-sensitive tokens of %x21 / %x23-5B / %x5D-7E.</summary>
public sealed class ScopeSet
{
    private readonly string[] _scopes;

    private ScopeSet(string[] scopes) => _scopes = scopes;

    /// <summary>The scope by which a user lets an app stay signed in: with it, the app gets a refresh token (OpenID Connect Core §11).</summary>
    public const string OfflineAccess = "offline_access";

    public static ScopeSet Empty { get; } = new([]);

    public IReadOnlyList<string> Values => _scopes;

    public bool IsEmpty => _scopes.Length == 0;

    public static bool IsValidToken(string scope) =>
        scope.Length > 0 && scope.All(c => c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E));

    /// <summary>Parses a scope parameter; null when it is malformed. Duplicates are folded, order is kept.</summary>
    public static ScopeSet? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return Empty;
        }

        var parts = value.Split(' ');
        var seen = new List<string>(parts.Length);
        foreach (var part in parts)
        {
            if (!IsValidToken(part))
            {
                return null;
            }

            if (!seen.Contains(part, StringComparer.Ordinal))
            {
                seen.Add(part);
            }
        }

        return new ScopeSet([.. seen]);
    }

    public static ScopeSet From(IEnumerable<string> scopes) => Parse(string.Join(' ', scopes)) ?? Empty;

    public bool Contains(string scope) => _scopes.Contains(scope, StringComparer.Ordinal);

    public bool IsSubsetOf(IEnumerable<string> allowed)
    {
        var set = allowed as ISet<string> ?? new HashSet<string>(allowed, StringComparer.Ordinal);
        return _scopes.All(set.Contains);
    }

    public override string ToString() => string.Join(' ', _scopes);
}
