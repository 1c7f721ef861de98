namespace Serverless.OAuth.Clients;

/// <summary>The registered clients. An interface because the validators' and the seeder's unit tests substitute it.</summary>
public interface IClientStore
{
    /// <summary>The client, or null when there is none (or the id is malformed).</summary>
    Task<OAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<OAuthClient>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a client; false when the client_id is taken.</summary>
    Task<bool> AddAsync(OAuthClient client, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a dynamically registered client's expiry to at least <paramref name="until"/>; a client without one (an
    /// operator registered it) is left alone.
    /// </summary>
    Task ExtendAsync(OAuthClient client, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces an operator-registered client's assertion credentials (its JWK Set, jwks_uri and federated credentials),
    /// leaving everything else as stored; false when there is no such client.
    /// </summary>
    Task<bool> SetAssertionCredentialsAsync(OAuthClient client, CancellationToken cancellationToken = default);

    /// <summary>Removes a client; false when there was none.</summary>
    Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken = default);
}
