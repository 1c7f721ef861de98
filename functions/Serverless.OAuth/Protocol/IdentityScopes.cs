namespace Serverless.OAuth.Protocol;

/// <summary>
/// The OpenID Connect scopes (Core §3.1.2.1, §5.4): defined by the server, not configured, unlike the scopes of APIs.
/// "openid" makes the authorization a sign-in, with an ID token; "profile" and "email" release those claims at UserInfo.
/// </summary>
public static class IdentityScopes
{
    public const string OpenId = "openid";
    public const string Profile = "profile";
    public const string Email = "email";

    /// <summary>Each scope with the words the consent page uses for it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [OpenId] = "Sign you in with your account here",
        [Profile] = "See your name and username",
        [Email] = "See your email address",
    };

    public static bool Contains(string scope) => Descriptions.ContainsKey(scope);
}
