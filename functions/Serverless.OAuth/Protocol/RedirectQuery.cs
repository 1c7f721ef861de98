using System.Text;

namespace Serverless.OAuth.Protocol;

/// <summary>The query of a redirect to a client or an upstream provider.</summary>
public static class RedirectQuery
{
    /// <summary>Adds parameters to the redirect URI's query, keeping any query it was registered with (RFC 6749 §3.1.2).</summary>
    public static string Build(string redirectUri, params (string Name, string? Value)[] parameters)
    {
        var uri = new StringBuilder(redirectUri);
        var separator = redirectUri.Contains('?') ? '&' : '?';
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            uri.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return uri.ToString();
    }
}
