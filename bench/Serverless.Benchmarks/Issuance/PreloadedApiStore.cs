using Serverless.OAuth.Clients.Apis;

namespace Serverless.Benchmarks.Issuance;

/// <summary>The API registry from memory, as the real one is between storage reads: no storage round trip is measured.</summary>
public sealed class PreloadedApiStore(params ApiResource[] apis) : IApiStore
{
    private readonly ApiCatalog _catalog = new(apis);

    public Task<ApiCatalog> GetCatalogAsync(CancellationToken cancellationToken = default) => Task.FromResult(_catalog);

    public Task<bool> AddAsync(ApiResource api, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The benchmark's APIs are fixed.");

    public Task<bool> UpdateAsync(ApiResource api, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The benchmark's APIs are fixed.");

    public Task<bool> RemoveAsync(string identifier, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The benchmark's APIs are fixed.");
}
