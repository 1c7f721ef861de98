namespace Serverless.Functions.Http;

/// <summary>
/// Function route templates that cannot be the contract's route verbatim. Every HTTP function of this app is
/// AuthorizationLevel.Anonymous: OAuth clients are authenticated by the server itself, never by Functions keys
/// (FunctionRouteTests holds every route to that).
/// </summary>
public static class FunctionRoutes
{
    /// <summary>
    /// The contract's site root ("", i.e. GET /). The Functions host treats an empty Route as "use the function's
    /// name", so the root is an optional parameter that only an empty path satisfies (with host.json's routePrefix "").
    /// </summary>
    public const string SiteRoot = "{ignored:maxlength(0)?}";
}
