using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Options;
using Serverless.OAuth.Storage;
using Serverless.OAuth.Telemetry;

namespace Serverless.OAuth.Clients;

/// <summary>
/// Clients in Table Storage (partition = client_id), cached in memory for <see cref="OAuthServerOptions.ClientCacheLifetime"/>
/// so that the token endpoint does not pay a storage round trip per request. A removed or changed client is seen by
/// every instance within that time. "No such client" is cached too, or a stream of made-up client ids would cost a
/// storage read each; so the cache is bounded in size (<see cref="OAuthServerOptions.ClientCacheSize"/> entries), and
/// when it is full the unknown ids go first, so a flood of them neither grows memory nor evicts the real clients.
/// </summary>
public sealed class ClientStore(OAuthTables tables, OAuthServerOptions options, TimeProvider clock, ILogger<ClientStore>? logger = null) : IClientStore
{
    private const string Row = "client";

    private readonly MemoryCache _cache = new(new MemoryCacheOptions
    {
        SizeLimit = options.ClientCacheSize,
        // A full cache drops a quarter at once, so a flood of unknown ids does not compact on every request.
        CompactionPercentage = 0.25,
    });

    /// <summary>How many lookups (known clients and unknown ids) are cached now.</summary>
    internal int CachedCount => _cache.Count;

    public async Task<OAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken = default)
    {
        if (!OAuthClient.IsValidClientId(clientId))
        {
            return null;
        }

        // Freshness follows the server's clock (TimeProvider); the cache's own expiry only frees the memory.
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(clientId, out CachedClient? cached) && cached is not null && cached.Until > now)
        {
            return cached.Client;
        }

        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(clientId, Row, cancellationToken: cancellationToken);
        var client = response.HasValue && response.Value is { } entity ? FromEntity(entity) : null;
        _cache.Set(clientId, new CachedClient(client, now + options.ClientCacheLifetime), new MemoryCacheEntryOptions
        {
            Size = 1,
            AbsoluteExpirationRelativeToNow = options.ClientCacheLifetime,
            Priority = client is null ? CacheItemPriority.Low : CacheItemPriority.High,
        });
        return client;
    }

    public async Task<IReadOnlyList<OAuthClient>> ListAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        var clients = new List<OAuthClient>();
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            clients.Add(FromEntity(entity));
        }

        return clients;
    }

    public async Task<bool> AddAsync(OAuthClient client, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        try
        {
            await table.AddEntityAsync(ToEntity(client), cancellationToken);
            _cache.Remove(client.ClientId);
            AuditEvents.ClientRegistered(logger ?? NullLogger<ClientStore>.Instance, client.ClientId, client.Type.ToString());
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public async Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        var response = await table.DeleteEntityAsync(clientId, Row, ETag.All, cancellationToken);
        _cache.Remove(clientId);
        return response.Status != 404;
    }

    private static TableEntity ToEntity(OAuthClient client) => new(client.ClientId, Row)
    {
        ["Name"] = client.Name,
        ["Type"] = client.Type.ToString(),
        ["SecretHash"] = client.SecretHash,
        ["RedirectUris"] = JsonSerializer.Serialize(client.RedirectUris),
        ["PostLogoutRedirectUris"] = JsonSerializer.Serialize(client.PostLogoutRedirectUris),
        ["AllowedScopes"] = string.Join(' ', client.AllowedScopes),
        ["AllowedGrantTypes"] = string.Join(' ', client.AllowedGrantTypes),
        // A new name for the opt-out: rows written under the old opt-in ("RefreshRequiresOfflineAccess") get the default.
        ["RefreshWithoutOfflineAccess"] = client.RefreshWithoutOfflineAccess,
        ["MayIntrospect"] = client.MayIntrospect,
        ["IdTokenSignedResponseAlg"] = client.IdTokenSignedResponseAlg,
    };

    private static OAuthClient FromEntity(TableEntity entity) => new()
    {
        ClientId = entity.PartitionKey,
        Name = entity.GetString("Name") ?? entity.PartitionKey,
        Type = Enum.TryParse<ClientType>(entity.GetString("Type"), out var type) ? type : ClientType.Confidential,
        SecretHash = entity.GetString("SecretHash"),
        RedirectUris = JsonSerializer.Deserialize<string[]>(entity.GetString("RedirectUris") ?? "[]") ?? [],
        PostLogoutRedirectUris = JsonSerializer.Deserialize<string[]>(entity.GetString("PostLogoutRedirectUris") ?? "[]") ?? [],
        AllowedScopes = Split(entity.GetString("AllowedScopes")),
        AllowedGrantTypes = Split(entity.GetString("AllowedGrantTypes")),
        RefreshWithoutOfflineAccess = entity.GetBoolean("RefreshWithoutOfflineAccess") ?? false,
        MayIntrospect = entity.GetBoolean("MayIntrospect") ?? false,
        IdTokenSignedResponseAlg = entity.GetString("IdTokenSignedResponseAlg"),
    };

    private static string[] Split(string? value) => (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private sealed record CachedClient(OAuthClient? Client, DateTimeOffset Until);
}
