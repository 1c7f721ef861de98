using Serverless.OAuth.Clients;

namespace Serverless.Benchmarks.Issuance;

/// <summary>
/// A client store that already holds its clients, as the real one does between storage reads (the client cache):
/// the in-process benchmark measures the CPU path of a token, not Azurite.
/// </summary>
public sealed class PreloadedClientStore(params OAuthClient[] clients) : ClientStore
{
    private readonly Dictionary<string, OAuthClient> _clients = clients.ToDictionary(c => c.ClientId, StringComparer.Ordinal);

    public override Task<OAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_clients.GetValueOrDefault(clientId));
}
