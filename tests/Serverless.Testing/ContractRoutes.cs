using Serverless.Demo;
using Serverless.OAuth.Http;

namespace Serverless.Testing;

/// <summary>The HTTP contract both hosts serve: the server's routes and the demo's, as route data and as theory rows.</summary>
public static class ContractRoutes
{
    public static IReadOnlyList<OAuthRoute> All { get; } = [.. OAuthRoutes.All, .. DemoRoutes.All];

    /// <summary>One row (method, route) per route, for [MemberData(..., MemberType = typeof(ContractRoutes))].</summary>
    public static IEnumerable<object[]> MethodsAndRoutes() => All.Select(r => new object[] { r.Method, r.Route });
}
