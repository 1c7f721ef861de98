namespace Serverless.OAuth.Protocol;

/// <summary>
/// Query strings this server writes: the query of a redirect to a client or an upstream provider, and an authorization
/// request kept in storage until its browser comes back (a pushed request, a pending upstream sign-in), read again with
/// <c>QueryHelpers.ParseQuery</c>.
/// </summary>
public static class RedirectQuery
{
    /// <summary>Adds parameters to the redirect URI's query, keeping any query it was registered with (RFC 6749 §3.1.2).</summary>
    public static string Build(string redirectUri, params (string Name, string? Value)[] parameters)
    {
        var query = Encode(parameters);
        return query.Length == 0 ? redirectUri : redirectUri + (redirectUri.Contains('?') ? '&' : '?') + query;
    }

    /// <summary>The parameters as a query string without its '?': names and values escaped, repeats kept in order, nulls left out.</summary>
    public static string Encode(IEnumerable<(string Name, string? Value)> parameters) =>
        string.Join('&', parameters.Where(p => p.Value is not null).Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value!)));
}
