using System.Text;

namespace Serverless.OAuth.Protocol;

/// <summary>The form of a resource indicator and of an API identifier (RFC 8707 §2).</summary>
public static class ResourceIndicator
{
    public const int MaxLength = 512;

    /// <summary>
    /// Why a value cannot be a resource indicator, or null: it must be an absolute URI without a fragment (RFC 8707
    /// §2), with no white space or user information, and short enough to be an audience.
    /// </summary>
    public static string? Problem(string value)
    {
        // The scheme is checked by hand: .NET takes "/path" for an absolute file URI on Unix.
        if (value.Length is 0 or > MaxLength || value.Any(char.IsWhiteSpace) || !HasScheme(value) || !Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return "A resource must be an absolute URI.";
        }

        if (value.Contains('#'))
        {
            return "A resource must not have a fragment (RFC 8707 §2).";
        }

        return string.IsNullOrEmpty(uri.UserInfo) ? null : "A resource must not have user information.";
    }

    /// <summary>RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then ':'.</summary>
    private static bool HasScheme(string value)
    {
        var colon = value.IndexOf(':');
        return colon > 0 && char.IsAsciiLetter(value[0]) && value[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.');
    }

    /// <summary>
    /// Compares identifiers in their normal form (<see cref="NormalForm"/>): <c>https://mcp.example.com</c>,
    /// <c>https://mcp.example.com/</c>, <c>HTTPS://MCP.EXAMPLE.COM</c> and <c>https://mcp.example.com:443</c> are one API.
    /// </summary>
    public static IEqualityComparer<string> Comparer { get; } = new NormalFormComparer();

    /// <summary>
    /// The RFC 3986 §6.2.2-6.2.3 normal form, the one equivalence clients rely on: the MCP TypeScript SDK sends
    /// <c>new URL(x).href</c> (an origin gains a "/"), and the MCP specification asks servers to accept upper-case
    /// schemes and hosts. Scheme and host lower-cased, percent-encodings upper-cased and unreserved ones decoded, dot
    /// segments removed, a scheme's default port dropped, an empty path with an authority made "/". Nothing else: a
    /// trailing slash on a path, the case of a path or query, and an encoded "/" stay significant. A value that is not
    /// an absolute URI is its own normal form.
    /// </summary>
    public static string NormalForm(string value)
    {
        var colon = value.IndexOf(':');
        if (!HasScheme(value) || value.Contains('#'))
        {
            return value;
        }

        var scheme = value[..colon].ToLowerInvariant();
        var rest = value[(colon + 1)..];
        var query = "";
        if (rest.IndexOf('?') is var q and >= 0)
        {
            query = "?" + NormalizePercentEncoding(rest[(q + 1)..]);
            rest = rest[..q];
        }

        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            // No authority (a URN, say): only the scheme and the percent-encodings have a normal form.
            return scheme + ":" + NormalizePercentEncoding(rest) + query;
        }

        var pathStart = rest.IndexOf('/', 2);
        var authority = pathStart < 0 ? rest[2..] : rest[2..pathStart];
        var path = pathStart < 0 ? "" : rest[pathStart..];
        var portColon = authority.LastIndexOf(':');
        var host = authority;
        var port = "";
        if (portColon >= 0 && portColon > authority.LastIndexOf(']'))
        {
            host = authority[..portColon];
            port = authority[(portColon + 1)..];
        }

        if (port.Length == 0 || (int.TryParse(port, out var number) && number == DefaultPort(scheme)))
        {
            port = "";
        }

        path = RemoveDotSegments(NormalizePercentEncoding(path));
        return $"{scheme}://{NormalizePercentEncoding(host.ToLowerInvariant())}{(port.Length > 0 ? ":" + port : "")}{(path.Length == 0 ? "/" : path)}{query}";
    }

    private static int DefaultPort(string scheme) => scheme switch { "http" or "ws" => 80, "https" or "wss" => 443, _ => -1 };

    /// <summary>§6.2.2.1-6.2.2.2: hex digits upper-cased; an encoded unreserved character (ALPHA DIGIT - . _ ~) decoded.</summary>
    private static string NormalizePercentEncoding(string value)
    {
        if (!value.Contains('%'))
        {
            return value;
        }

        var text = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length && char.IsAsciiHexDigit(value[i + 1]) && char.IsAsciiHexDigit(value[i + 2]))
            {
                var decoded = (char)Convert.ToByte(value.Substring(i + 1, 2), 16);
                text.Append(char.IsAsciiLetterOrDigit(decoded) || decoded is '-' or '.' or '_' or '~' ? decoded.ToString() : "%" + char.ToUpperInvariant(value[i + 1]) + char.ToUpperInvariant(value[i + 2]));
                i += 2;
            }
            else
            {
                text.Append(value[i]);
            }
        }

        return text.ToString();
    }

    /// <summary>§5.2.4 remove_dot_segments, as §6.2.2.3 asks.</summary>
    private static string RemoveDotSegments(string path)
    {
        if (!path.Contains('.'))
        {
            return path;
        }

        var output = new List<string>();
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var last = i == segments.Length - 1;
            if (segment == ".")
            {
                if (last)
                {
                    output.Add("");
                }
            }
            else if (segment == "..")
            {
                if (output.Count > 1)
                {
                    output.RemoveAt(output.Count - 1);
                }

                if (last)
                {
                    output.Add("");
                }
            }
            else
            {
                output.Add(segment);
            }
        }

        return string.Join('/', output);
    }

    private sealed class NormalFormComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && string.Equals(NormalForm(x), NormalForm(y), StringComparison.Ordinal));

        public int GetHashCode(string obj) => StringComparer.Ordinal.GetHashCode(NormalForm(obj));
    }
}
