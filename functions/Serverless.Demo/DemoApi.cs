using Serverless.OAuth.Apis;
using Serverless.OAuth.Options;

namespace Serverless.Demo;

/// <summary>
/// The demo resource as an API of the registry, seeded into the "apis" table when it is missing (then the admin's to
/// change): its identifier is <c>OAuth:Audience</c> ("{issuer}/resource" by default), and its scopes are read and write.
/// </summary>
public static class DemoApi
{
    /// <summary>The scope GET /resource requires.</summary>
    public const string RequiredScope = "read";

    public static ApiResource For(OAuthServerOptions options) => new()
    {
        Identifier = options.EffectiveAudience,
        Name = "the demo resource",
        Scopes = [new ApiScope(RequiredScope, "Read your data"), new ApiScope("write", "Change your data")],
    };
}
