using System.Globalization;

namespace Serverless.OAuth.Clients;

/// <summary>
/// Whether a redirect URI in a request is one the client registered: the same string, character for character, with
/// one exception (RFC 8252 §7.3): a native app listens on a loopback IP address at a port the operating system hands
/// it, so a registered <c>http://127.0.0.1/path</c> or <c>http://[::1]/path</c> without a port matches the same URI
/// with any port. Nothing else is relaxed: <c>localhost</c> is a name, not a loopback IP literal (RFC 8252 §8.3), so it
/// matches exactly; a registered port is kept; https, another path, query or case does not match. A URI with a
/// character outside printable ASCII never matches, even one stored before registration refused them: it could not be
/// sent back in a Location header (RFC 3986 URIs are ASCII; anything else is percent-encoded).
/// </summary>
public static class RedirectUriMatch
{
    private static readonly string[] LoopbackOrigins = ["http://127.0.0.1", "http://[::1]"];

    public static bool Matches(string registered, string presented) =>
        IsPrintableAscii(presented)
        && (string.Equals(registered, presented, StringComparison.Ordinal) || MatchesLoopbackWithAnyPort(registered, presented));

    /// <summary>Only the characters a URI is written with (RFC 3986 §2): printable ASCII.</summary>
    public static bool IsPrintableAscii(string uri) => uri.All(c => c is > ' ' and < (char)0x7F);

    private static bool MatchesLoopbackWithAnyPort(string registered, string presented)
    {
        foreach (var origin in LoopbackOrigins)
        {
            // The registered URI is the origin without a port, followed by its path (or nothing); the presented one is
            // the same origin, ":", a port, and exactly the same rest.
            if (!registered.StartsWith(origin, StringComparison.Ordinal) || !presented.StartsWith(origin + ":", StringComparison.Ordinal))
            {
                continue;
            }

            var rest = registered[origin.Length..];
            if (rest.Length > 0 && rest[0] is not ('/' or '?'))
            {
                return false;
            }

            var afterColon = presented[(origin.Length + 1)..];
            var portLength = 0;
            while (portLength < afterColon.Length && char.IsAsciiDigit(afterColon[portLength]))
            {
                portLength++;
            }

            return IsPort(afterColon[..portLength]) && string.Equals(afterColon[portLength..], rest, StringComparison.Ordinal);
        }

        return false;
    }

    /// <summary>A port as a URI writes it canonically: 1 to 65535, no leading zero.</summary>
    private static bool IsPort(string digits) =>
        digits.Length is > 0 and <= 5 && digits[0] != '0'
        && int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) <= 65535;
}
