namespace Serverless.FunctionsHost;

/// <summary>
/// The route template the host gives an HTTP function (WebScriptHostHttpRoutesManager, ScriptHost.ValidateHttpFunction):
/// the route prefix from host.json, then the function's route, or its name when the route is empty.
/// </summary>
public static class HttpFunctionRoute
{
    /// <summary>The host's built-in routes live under these; a function route starting with one is refused.</summary>
    private static readonly string[] ReservedPrefixes = ["admin", "runtime"];

    /// <summary>The template, or the reason the host would not load the function.</summary>
    public static (string? Template, string? Error) For(LoadedFunction function, string routePrefix)
    {
        var route = string.IsNullOrWhiteSpace(function.Route) ? function.Name : function.Route;
        var normalized = route.Trim('/').ToLowerInvariant();
        if (ReservedPrefixes.Any(p => normalized.StartsWith(p, StringComparison.Ordinal)))
        {
            return (null, $"The specified route conflicts with one or more built in routes. (function '{function.Name}', route '{route}')");
        }

        var prefix = routePrefix.Trim('/');
        return (prefix.Length == 0 ? route : prefix + "/" + route, null);
    }
}
