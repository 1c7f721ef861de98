using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Clients.Apis;

/// <summary>An API written to the registry when the table lacks it: written once, then the admin's to change like any other.</summary>
public sealed record ApiSeed(ApiResource Api)
{
    /// <summary>
    /// The demo resource's API, which every host seeds (so the admin tool knows its scopes before a server has run):
    /// identifier <see cref="OAuthServerOptions.EffectiveAudience"/>, scopes read and write.
    /// </summary>
    public static ApiSeed DemoResource(OAuthServerOptions options) => new(new ApiResource
    {
        Identifier = options.EffectiveAudience,
        Name = "the demo resource",
        Scopes = [new ApiScope("read", "Read your data"), new ApiScope("write", "Change your data")],
    });
}

/// <summary>
/// The API registry in Table Storage (table "apis", partition = SHA-256 of the identifier, since a URI's '/' and '#'
/// cannot be table keys). The registry is small and every authorization and token request needs it by identifier and
/// by scope, so the whole of it is read at once and kept in memory for <see cref="OAuthServerOptions.ClientCacheLifetime"/>,
/// like the clients: a change is seen by every instance within that time. APIs are configuration, like clients: they
/// live until removed, with no expiry.
/// </summary>
public sealed class ApiStore(OAuthTables tables, OAuthServerOptions options, TimeProvider clock, IEnumerable<ApiSeed> seeds) : IApiStore
{
    private const string Row = "api";
    private readonly ApiSeed[] _seeds = [.. seeds];
    // One reference, swapped whole, so that a concurrent reader never sees one catalog with another's expiry.
    private CachedCatalog? _cached;
    // Counts this instance's changes: a catalog read while one was made may miss it, so it is returned but not kept
    // (start-up seeding reads the registry in the background while the first changes may already be written).
    private int _changes;

    public async Task<ApiCatalog> GetCatalogAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        if (_cached is { } cached && cached.Until > now)
        {
            return cached.Catalog;
        }

        var changes = Volatile.Read(ref _changes);
        var apis = (await ListAsync(cancellationToken)).ToList();
        foreach (var seed in _seeds.Where(s => !apis.Any(api => api.Identifier == s.Api.Identifier)))
        {
            // Add, not upsert: once written, the seed is the admin's to change, and a concurrent seeding is harmless. Not a
            // change of this instance's (the catalog being built includes it), so the catalog is kept.
            await InsertAsync(seed.Api, cancellationToken);
            apis.Add(seed.Api);
        }

        var catalog = new ApiCatalog(apis, ApiCatalog.UserInfoOf(options.Issuer));
        _cached = new CachedCatalog(catalog, now + options.ClientCacheLifetime);
        if (Volatile.Read(ref _changes) != changes)
        {
            _cached = null;
        }

        return catalog;
    }

    /// <summary>Every API as stored now.</summary>
    private async Task<IReadOnlyList<ApiResource>> ListAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Apis, cancellationToken);
        var apis = new List<ApiResource>();
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            apis.Add(FromEntity(entity));
        }

        return apis;
    }

    public async Task<bool> AddAsync(ApiResource api, CancellationToken cancellationToken = default)
    {
        if (!await InsertAsync(api, cancellationToken))
        {
            return false;
        }

        Forget();
        return true;
    }

    /// <summary>Adds an API unless one with its identifier exists (false then).</summary>
    private async Task<bool> InsertAsync(ApiResource api, CancellationToken cancellationToken) =>
        await RetrySafeWrite.TryAddAsync(await tables.GetAsync(OAuthTables.Apis, cancellationToken), ToEntity(api), cancellationToken);

    public async Task<bool> UpdateAsync(ApiResource api, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Apis, cancellationToken);
        try
        {
            await table.UpdateEntityAsync(ToEntity(api), ETag.All, TableUpdateMode.Replace, cancellationToken);
            Forget();
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
    }

    public async Task<bool> RemoveAsync(string identifier, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Apis, cancellationToken);
        var response = await table.DeleteEntityAsync(KeyOf(identifier), Row, ETag.All, cancellationToken);
        Forget();
        return response.Status != 404;
    }

    /// <summary>A change was made here: the catalog in memory, and any read now under way, are out of date.</summary>
    private void Forget()
    {
        Interlocked.Increment(ref _changes);
        _cached = null;
    }

    private sealed record CachedCatalog(ApiCatalog Catalog, DateTimeOffset Until);

    private static string KeyOf(string identifier) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identifier)));

    private static TableEntity ToEntity(ApiResource api) => new(KeyOf(api.Identifier), Row)
    {
        ["Identifier"] = api.Identifier,
        ["Name"] = api.Name,
        ["Scopes"] = JsonSerializer.Serialize(api.Scopes.Select(s => new[] { s.Name, s.Description })),
        ["AccessTokenLifetimeSeconds"] = api.AccessTokenLifetime is { } lifetime ? (long)lifetime.TotalSeconds : null,
        ["AllowedClients"] = string.Join(' ', api.AllowedClients),
        ["Introspectors"] = string.Join(' ', api.Introspectors),
        ["ExchangeClients"] = string.Join(' ', api.ExchangeClients),
    };

    private static ApiResource FromEntity(TableEntity entity) => new()
    {
        Identifier = entity.GetString("Identifier") ?? "",
        Name = entity.GetString("Name") ?? "",
        Scopes = [.. (JsonSerializer.Deserialize<string[][]>(entity.GetString("Scopes") ?? "[]") ?? []).Where(s => s.Length == 2).Select(s => new ApiScope(s[0], s[1]))],
        AccessTokenLifetime = entity.GetInt64("AccessTokenLifetimeSeconds") is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        AllowedClients = Split(entity.GetString("AllowedClients")),
        Introspectors = Split(entity.GetString("Introspectors")),
        ExchangeClients = Split(entity.GetString("ExchangeClients")),
    };

    private static string[] Split(string? value) => (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
