using Serverless.OAuth.Apis;
using Serverless.OAuth.Options;

namespace Serverless.Benchmarks.Issuance;

/// <summary>The API registry from memory, so that in-process issuance measures no storage round trip.</summary>
public sealed class PreloadedApiStore(params ApiResource[] apis) : ApiStore(null!, new OAuthServerOptions(), TimeProvider.System, [])
{
    private readonly ApiCatalog _catalog = new(apis);

    public override Task<ApiCatalog> GetCatalogAsync(CancellationToken cancellationToken = default) => Task.FromResult(_catalog);
}
