using Serverless.OAuth.Clients;

namespace Serverless.Benchmarks.Issuance;

/// <summary>
/// A client store that already holds its clients, as the real one does between storage reads (the client cache):
/// the in-process benchmark measures the CPU path of a token, not Azurite.
/// </summary>
public sealed class PreloadedClientStore(params OAuthClient[] clients) : IClientStore
{
    private readonly Dictionary<string, OAuthClient> _clients = clients.ToDictionary(c => c.ClientId, StringComparer.Ordinal);

    public Task<OAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_clients.GetValueOrDefault(clientId));

    public Task<IReadOnlyList<OAuthClient>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<OAuthClient>>([.. _clients.Values]);

    public Task<bool> AddAsync(OAuthClient client, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The benchmark's clients are fixed.");

    /// <summary>The benchmark's clients were registered by an operator: they have no expiry to extend.</summary>
    public Task ExtendAsync(OAuthClient client, DateTimeOffset until, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<bool> SetAssertionCredentialsAsync(OAuthClient client, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The benchmark's clients are fixed.");

    public Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The benchmark's clients are fixed.");
}
