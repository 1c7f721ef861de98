namespace Serverless.OAuth.Identity.Users;

/// <summary>
/// A user who signs in on the login page. <see cref="Subject"/> is the stable, opaque "sub" of their tokens;
/// <see cref="DisplayName"/>, <see cref="Email"/> and <see cref="EmailVerified"/> are the profile UserInfo releases by
/// scope (OpenID Connect Core §5.4), and <see cref="UpdatedAt"/> when it last changed.
/// </summary>
public sealed record OAuthUser(string Username, string Subject, string PasswordHash, string? DisplayName)
{
    public string? Email { get; init; }

    public bool EmailVerified { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Usernames are table keys and are compared case-insensitively: a strict alphabet, stored lower-case.</summary>
    public static string? Normalize(string? username)
    {
        if (username is not { Length: > 0 and <= 64 })
        {
            return null;
        }

        var normalized = username.Trim().ToLowerInvariant();
        return normalized.Length > 0 && normalized.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@')
            ? normalized
            : null;
    }
}
