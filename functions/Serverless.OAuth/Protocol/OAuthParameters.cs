using Microsoft.Extensions.Primitives;

namespace Serverless.OAuth.Protocol;

/// <summary>
/// The parameters of one request (query or form). RFC 6749 §3.1: parameters must not be repeated, so every repeated
/// name is recorded and the request is rejected by the validator instead of silently taking the first value. The one
/// exception is <c>resource</c>, which an authorization request may repeat (RFC 8707 §2.1): its values are all kept,
/// and the token endpoint, where it may not repeat, refuses that as invalid_target.
/// </summary>
public sealed class OAuthParameters
{
    public const int MaxValueLength = 4096;

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static OAuthParameters Empty { get; } = new();

    private HashSet<string>? _repeated;

    private Dictionary<string, string[]>? _repeatedValues;

    /// <summary>The one parameter that may be sent more than once (RFC 8707 §2.1).</summary>
    public const string Repeatable = "resource";

    /// <summary>The first repeated parameter name that may not repeat, for the error message; <see cref="IsRepeated"/> knows them all.</summary>
    public string? RepeatedParameter { get; private set; }

    public string? OversizedParameter { get; private set; }

    public static OAuthParameters From(IEnumerable<KeyValuePair<string, StringValues>> pairs)
    {
        var parameters = new OAuthParameters();
        foreach (var (name, values) in pairs)
        {
            if (values.Count > 1)
            {
                if (name != Repeatable)
                {
                    parameters.RepeatedParameter ??= name;
                }

                (parameters._repeated ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
                (parameters._repeatedValues ??= new(StringComparer.Ordinal))[name] = [.. values.Select(v => v ?? "")];
                if (values.Any(v => v?.Length > MaxValueLength))
                {
                    parameters.OversizedParameter ??= name;
                }
            }

            var value = values.Count > 0 ? values[0] ?? "" : "";
            if (value.Length > MaxValueLength)
            {
                parameters.OversizedParameter ??= name;
            }

            // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
            if (value.Length > 0)
            {
                parameters._values[name] = value;
            }
        }

        return parameters;
    }

    public static OAuthParameters From(params (string Name, string? Value)[] pairs) =>
        From(pairs.Where(p => p.Value is not null).Select(p => new KeyValuePair<string, StringValues>(p.Name, p.Value)));

    public string? this[string name] => _values.GetValueOrDefault(name);

    public IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>Every value sent for <paramref name="name"/>, in order; empty when it was not sent.</summary>
    public IReadOnlyList<string> All(string name) =>
        _repeatedValues?.GetValueOrDefault(name) is { } values ? values : _values.TryGetValue(name, out var value) ? [value] : [];

    /// <summary>Whether this parameter name was sent more than once, whatever other names were repeated before it.</summary>
    public bool IsRepeated(string name) => _repeated?.Contains(name) == true;

    /// <summary>The first structural problem (repeated or oversized parameter), as an invalid_request error.</summary>
    public OAuthError? StructuralError =>
        RepeatedParameter is not null ? OAuthError.InvalidRequest($"The '{Printable(RepeatedParameter)}' parameter is repeated.")
        : OversizedParameter is not null ? OAuthError.InvalidRequest($"The '{Printable(OversizedParameter)}' parameter is too long.")
        : null;

    /// <summary>A parameter name as it may appear in error_description (RFC 6749 §5.2 allows only a narrow ASCII set).</summary>
    private static string Printable(string name)
    {
        var safe = new string(name.Take(40).Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '?').ToArray());
        return name.Length > 40 ? safe + "..." : safe;
    }
}
