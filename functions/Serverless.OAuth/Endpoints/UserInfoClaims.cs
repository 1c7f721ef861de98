using System.Text.Json.Serialization;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Users;

namespace Serverless.OAuth.Endpoints;

/// <summary>A UserInfo answer (OpenID Connect Core §5.3.2): "sub" always, the others as the scope releases them and the user has them.</summary>
public sealed record UserInfoResponse([property: JsonPropertyName("sub")] string Subject)
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("preferred_username")] public string? PreferredUsername { get; init; }
    [JsonPropertyName("updated_at")] public long? UpdatedAt { get; init; }
    [JsonPropertyName("email")] public string? Email { get; init; }
    [JsonPropertyName("email_verified")] public bool? EmailVerified { get; init; }
}

/// <summary>Which claims each identity scope releases (OpenID Connect Core §5.4), of those this server keeps.</summary>
public static class UserInfoClaims
{
    public static readonly IReadOnlyList<string> ProfileClaims = ["name", "preferred_username", "updated_at"];

    public static readonly IReadOnlyList<string> EmailClaims = ["email", "email_verified"];

    public static UserInfoResponse For(OAuthUser user, ScopeSet scope)
    {
        var profile = scope.Contains(IdentityScopes.Profile);
        var email = scope.Contains(IdentityScopes.Email) && user.Email is not null;
        return new UserInfoResponse(user.Subject)
        {
            Name = profile ? user.DisplayName : null,
            PreferredUsername = profile ? user.Username : null,
            UpdatedAt = profile ? user.UpdatedAt?.ToUnixTimeSeconds() : null,
            Email = email ? user.Email : null,
            EmailVerified = email ? user.EmailVerified : null,
        };
    }
}
