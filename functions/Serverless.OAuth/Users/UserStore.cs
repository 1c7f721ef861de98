using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Identity;
using Serverless.OAuth.Storage;

namespace Serverless.OAuth.Users;

/// <summary>Users in Table Storage (partition = normalized username), passwords hashed with ASP.NET Core Identity's PBKDF2.</summary>
public sealed class UserStore(OAuthTables tables) : IUserStore
{
    private const string Row = "user";
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

    public async Task<OAuthUser?> VerifyAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        var user = await FindAsync(username, cancellationToken);
        var result = Hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? DummyHash, password);
        return user is not null && result != PasswordVerificationResult.Failed ? user : null;
    }

    public async Task<IReadOnlyList<OAuthUser>> ListAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Users, cancellationToken);
        var users = new List<OAuthUser>();
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            users.Add(FromEntity(entity));
        }

        return users;
    }

    public async Task<bool> AddAsync(OAuthUser user, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Users, cancellationToken);
        try
        {
            await table.AddEntityAsync(
                new TableEntity(user.Username, Row)
                {
                    ["Subject"] = user.Subject,
                    ["PasswordHash"] = user.PasswordHash,
                    ["DisplayName"] = user.DisplayName,
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<bool> RemoveAsync(string username, CancellationToken cancellationToken = default)
    {
        if (OAuthUser.Normalize(username) is not { } key)
        {
            return false;
        }

        var table = await tables.GetAsync(OAuthTables.Users, cancellationToken);
        var response = await table.DeleteEntityAsync(key, Row, ETag.All, cancellationToken);
        return response.Status != 404;
    }

    private static OAuthUser FromEntity(TableEntity entity) => new(
        entity.PartitionKey,
        entity.GetString("Subject") ?? "",
        entity.GetString("PasswordHash") ?? "",
        entity.GetString("DisplayName"));
}
