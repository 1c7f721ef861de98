namespace Serverless.OAuth.Apis;

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
}
