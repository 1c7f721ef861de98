namespace Serverless.OAuth.Clients.Apis;

/// <summary>The API registry. An interface because the validators' unit tests and the in-process benchmark substitute it.</summary>
public interface IApiStore
{
    /// <summary>The registry as this instance knows it (cached; seeds missing from storage are written first).</summary>
    Task<ApiCatalog> GetCatalogAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds an API; false when its identifier is taken.</summary>
    Task<bool> AddAsync(ApiResource api, CancellationToken cancellationToken = default);

    /// <summary>Replaces an API's settings; false when it is not registered.</summary>
    Task<bool> UpdateAsync(ApiResource api, CancellationToken cancellationToken = default);

    /// <summary>Removes an API; false when there was none.</summary>
    Task<bool> RemoveAsync(string identifier, CancellationToken cancellationToken = default);
}
