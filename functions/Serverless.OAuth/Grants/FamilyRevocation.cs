using Serverless.OAuth.Options;

namespace Serverless.OAuth.Grants;

/// <summary>
/// Revokes an authorization's family: every refresh token that can still be used, and every access token issued in
/// it so far (one marker row the resource checks). Used on code replay, refresh token reuse and RFC 7009 revocation.
/// </summary>
public class FamilyRevocation(GrantStore grants, RevocationStore revocations, OAuthServerOptions options, TimeProvider clock)
{
    /// <summary>For mocking.</summary>
    protected FamilyRevocation() : this(null!, null!, new OAuthServerOptions(), TimeProvider.System)
    {
    }

    public virtual async Task RevokeAsync(string familyId, CancellationToken cancellationToken = default)
    {
        // Access tokens first: if the second step fails, the family is at worst over-revoked, never under-revoked.
        await revocations.RevokePartitionAsync(familyId, clock.GetUtcNow() + options.AccessTokenLifetime, cancellationToken);
        await grants.RevokeFamilyAsync(familyId, cancellationToken);
    }
}
