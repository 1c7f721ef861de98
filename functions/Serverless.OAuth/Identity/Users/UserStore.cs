using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Identity;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Identity.Users;

/// <summary>
/// Users in Table Storage (partition = normalized username), passwords hashed with ASP.NET Core Identity's PBKDF2.
/// Beside each user, a row in partition "sub:{subject}" names the username, so that UserInfo, which knows only the
/// token's subject, finds the user with two point reads. The ':' cannot occur in a username, so the two never meet.
/// </summary>
public sealed class UserStore(OAuthTables tables) : IUserStore
{
    private const string Row = "user";
    private const string SubjectRow = "subject";
    private const string SubjectPartitionPrefix = "sub:";
    private static readonly PasswordHasher<OAuthUser> Hasher = new();

    // Verifying against this keeps the time of "no such user" close to that of "wrong password".
    private static readonly string DummyHash = Hasher.HashPassword(null!, "no such user");

    public static string HashPassword(string password) => Hasher.HashPassword(null!, password);

    public async Task<OAuthUser?> FindAsync(string username, CancellationToken cancellationToken = default)
    {
        if (OAuthUser.Normalize(username) is not { } key)
        {
            return null;
        }

        var table = await tables.GetAsync(OAuthTables.Users, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(key, Row, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } entity ? FromEntity(entity) : null;
    }

    /// <summary>The user whose tokens carry this subject, or null.</summary>
    public async Task<OAuthUser?> FindBySubjectAsync(string subject, CancellationToken cancellationToken = default)
    {
        if (!IsKeySafe(subject))
        {
            return null;
        }

        var table = await tables.GetAsync(OAuthTables.Users, cancellationToken);
        var index = await table.GetEntityIfExistsAsync<TableEntity>(SubjectPartitionPrefix + subject, SubjectRow, cancellationToken: cancellationToken);
        if (!index.HasValue || index.Value!.GetString("Username") is not { } username)
        {
            return null;
        }

        // The user row is the truth: a username reused after a removal belongs to another subject.
        var user = await FindAsync(username, cancellationToken);
        return user?.Subject == subject ? user : null;
    }

    /// <summary>
    /// Sets the profile that UserInfo releases: each value given replaces the stored one ("" clears it). Also writes the
    /// subject's index row, so a user added before it existed is found by subject from then on. False when no such user.
    /// </summary>
    public async Task<bool> SetProfileAsync(
        string username, string? name, string? email, bool? emailVerified, DateTimeOffset updatedAt, CancellationToken cancellationToken = default)
    {
        if (await FindAsync(username, cancellationToken) is not { } user)
        {
            return false;
        }

        var table = await tables.GetAsync(OAuthTables.Users, cancellationToken);
        await table.UpsertEntityAsync(SubjectIndex(user), TableUpdateMode.Replace, cancellationToken);
        var changes = new TableEntity(user.Username, Row) { ["UpdatedAt"] = updatedAt };
        if (name is not null)
        {
            changes["DisplayName"] = name.Length == 0 ? null : name;
        }

        if (email is not null)
        {
            changes["Email"] = email.Length == 0 ? null : email;
            // A new address is unverified until said otherwise.
            changes["EmailVerified"] = emailVerified ?? false;
        }
        else if (emailVerified is not null)
        {
            changes["EmailVerified"] = emailVerified.Value;
        }

        await table.UpdateEntityAsync(changes, ETag.All, TableUpdateMode.Merge, cancellationToken);
        return true;
    }

    public OAuthUser? VerifyPassword(OAuthUser? user, string password)
    {
        var result = Hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? DummyHash, password);
        return user is not null && result != PasswordVerificationResult.Failed ? user : null;
    }

    public async Task<IReadOnlyList<OAuthUser>> ListAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Users, cancellationToken);
        var users = new List<OAuthUser>();
        await foreach (var entity in table.QueryAsync<TableEntity>(e => e.RowKey == Row, cancellationToken: cancellationToken))
        {
            users.Add(FromEntity(entity));
        }

        return users;
    }

    public async Task<bool> AddAsync(OAuthUser user, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Users, cancellationToken);
        if (!IsKeySafe(user.Subject))
        {
            throw new ArgumentException("A subject must be usable as a table key.", nameof(user));
        }

        // The index first: a user row is never without it. An index row whose user row was refused names a user of
        // another subject, which FindBySubjectAsync does not take.
        await table.UpsertEntityAsync(SubjectIndex(user), TableUpdateMode.Replace, cancellationToken);
        return await RetrySafeWrite.TryAddAsync(
            table,
            new TableEntity(user.Username, Row)
            {
                ["Subject"] = user.Subject,
                ["PasswordHash"] = user.PasswordHash,
                ["DisplayName"] = user.DisplayName,
                ["Email"] = user.Email,
                ["EmailVerified"] = user.EmailVerified,
                ["UpdatedAt"] = user.UpdatedAt,
            },
            cancellationToken);
    }

    public async Task<bool> RemoveAsync(string username, CancellationToken cancellationToken = default)
    {
        if (OAuthUser.Normalize(username) is not { } key)
        {
            return false;
        }

        var user = await FindAsync(key, cancellationToken);
        var table = await tables.GetAsync(OAuthTables.Users, cancellationToken);
        var response = await table.DeleteEntityAsync(key, Row, ETag.All, cancellationToken);
        if (user is not null && IsKeySafe(user.Subject))
        {
            await table.DeleteEntityAsync(SubjectPartitionPrefix + user.Subject, SubjectRow, ETag.All, cancellationToken);
        }

        return response.Status != 404;
    }

    private static TableEntity SubjectIndex(OAuthUser user) => new(SubjectPartitionPrefix + user.Subject, SubjectRow) { ["Username"] = user.Username };

    // Table keys may not hold / \ # ? or control characters.
    private static bool IsKeySafe(string value) =>
        value.Length is > 0 and <= 200 && !value.Any(c => char.IsControl(c) || c is '/' or '\\' or '#' or '?');

    private static OAuthUser FromEntity(TableEntity entity) => new(
        entity.PartitionKey,
        entity.GetString("Subject") ?? "",
        entity.GetString("PasswordHash") ?? "",
        entity.GetString("DisplayName"))
    {
        Email = entity.GetString("Email"),
        EmailVerified = entity.GetBoolean("EmailVerified") ?? false,
        UpdatedAt = entity.GetDateTimeOffset("UpdatedAt"),
    };
}
