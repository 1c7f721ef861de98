namespace Serverless.OAuth.Identity.Users;

/// <summary>The users who sign in. An interface because the sign-in step's and the seeder's unit tests substitute it.</summary>
public interface IUserStore
{
    Task<OAuthUser?> FindAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>
    /// The password check, of a user already looked up (<see cref="FindAsync"/>; null when there was none, checked
    /// against a stand-in hash all the same, so it takes about the same time either way): the user when it is right.
    /// So the lookup, which is no guess, can run alongside the lockout's reservations and only the check waits for them.
    /// </summary>
    OAuthUser? VerifyPassword(OAuthUser? user, string password);

    Task<IReadOnlyList<OAuthUser>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a user; false when the username is taken.</summary>
    Task<bool> AddAsync(OAuthUser user, CancellationToken cancellationToken = default);

    /// <summary>Removes a user; false when there was none.</summary>
    Task<bool> RemoveAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>The user whose tokens carry this subject (UserInfo), or null.</summary>
    Task<OAuthUser?> FindBySubjectAsync(string subject, CancellationToken cancellationToken = default);

    /// <summary>Sets the profile UserInfo releases: each value given replaces the stored one ("" clears it). False when no such user.</summary>
    Task<bool> SetProfileAsync(
        string username, string? name, string? email, bool? emailVerified, DateTimeOffset updatedAt, CancellationToken cancellationToken = default);
}
