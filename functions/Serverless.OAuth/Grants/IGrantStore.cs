using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Grants;

/// <summary>
/// Codes and refresh tokens, one family per authorization; every state change is atomic and conditional on the version
/// read, so of concurrent changes exactly one wins. <see cref="GrantStore"/> keeps them in Table Storage; the grant
/// state machines' unit tests substitute an in-memory store with the same guarantees.
/// </summary>
public interface IGrantStore
{
    /// <summary>Mints and stores a new code in a family of its own, and returns its value.</summary>
    Task<string> CreateCodeAsync(CodeGrant grant, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Mints and stores a new code, and runs <paramref name="alongside"/> with its family id (what must be recorded
    /// before the code may leave): both done, or the call fails and the code, never returned, is never used. Here one
    /// after the other; the table store runs them at once.
    /// </summary>
    async Task<string> CreateCodeAsync(CodeGrant grant, DateTimeOffset expiresAt, Func<string, Task> alongside, CancellationToken cancellationToken)
    {
        var code = await CreateCodeAsync(grant, expiresAt, cancellationToken);
        SecretValues.TrySplit(code, out var familyId, out _);
        await alongside(familyId);
        return code;
    }

    /// <summary>A presented code: live, redeemed (its tombstone's hash matches) or neither; null when malformed.</summary>
    Task<CodeLookup?> FindCodeAsync(string code, CancellationToken cancellationToken = default);

    /// <summary>Spends the code if unchanged since read, writing its tombstone and the first refresh token; false when another redemption won.</summary>
    Task<bool> RedeemCodeAsync(IssuedCode code, DateTimeOffset familyExpiresAt, NewRefreshToken? refreshToken, CancellationToken cancellationToken = default);

    /// <summary>A presented refresh token in any state; null when malformed, a null row when unknown or expired.</summary>
    Task<RefreshTokenLookup?> FindRefreshTokenAsync(string token, CancellationToken cancellationToken = default);

    /// <summary>Marks the token rotated (if unchanged since read), seals its successor under it, writes the successor; false when beaten.</summary>
    Task<bool> RotateAsync(RefreshTokenRecord spent, string presentedToken, NewRefreshToken successor, CancellationToken cancellationToken = default);

    /// <summary>Revokes every refresh token of the family that can still be used, including one rotated in concurrently.</summary>
    Task<int> RevokeFamilyAsync(string familyId, CancellationToken cancellationToken = default);
}
