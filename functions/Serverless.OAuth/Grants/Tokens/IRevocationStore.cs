namespace Serverless.OAuth.Grants.Tokens;

/// <summary>Revoked access tokens, by partition (a family, or a client_credentials token's own id) and jti; see <see cref="RevocationStore"/>.</summary>
public interface IRevocationStore
{
    /// <summary>Revokes every access token of a partition issued until now; the marker lives until <paramref name="until"/>.</summary>
    Task RevokePartitionAsync(string partition, DateTimeOffset until, CancellationToken cancellationToken = default);

    Task RevokeTokenAsync(string partition, string jti, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken = default);

    Task<bool> IsRevokedAsync(string partition, string jti, CancellationToken cancellationToken = default);
}
