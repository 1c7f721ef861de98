using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Clients;

/// <summary>
/// Clients in Table Storage (partition = client_id), cached in memory for <see cref="OAuthServerOptions.ClientCacheLifetime"/>
/// so that the token endpoint does not pay a storage round trip per request. A removed or changed client is seen by
/// every instance within that time. "No such client" is cached too, or a stream of made-up client ids would cost a
/// storage read each; so the cache is bounded in size (<see cref="OAuthServerOptions.ClientCacheSize"/> entries), and
/// when it is full the unknown ids go first, so a flood of them neither grows memory nor evicts the real clients.
/// A dynamically registered client has an expiry (<see cref="OAuthClient.ExpiresAt"/>): its row is written through
/// <see cref="ExpiringTable"/> (indexed for the purge before it is written), and once expired it reads as absent, in a
/// lookup and in the list alike.
/// </summary>
public sealed class ClientStore(OAuthTables tables, ExpiryIndex index, OAuthServerOptions options, TimeProvider clock, ILogger<ClientStore>? logger = null) : IClientStore
{
    private const string Row = "client";

    /// <summary>Self-registered clients' rows: written through the one path that indexes their expiry first.</summary>
    private readonly ExpiringTable _expiring = new(OAuthTables.Clients, tables, index, clock);

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
            return Live(cached.Client, now);
        }

        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(clientId, Row, cancellationToken: cancellationToken);
        var client = response.HasValue && response.Value is { } entity ? Live(FromEntity(entity), now) : null;
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
        // Expired registrations the purge has not deleted yet are absent here too (the one "is live" rule).
        var now = clock.GetUtcNow();
        var clients = new List<OAuthClient>();
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            if (Live(FromEntity(entity), now) is { } client)
            {
                clients.Add(client);
            }
        }

        return clients;
    }

    /// <summary>Adds a client (one with an expiry indexed first, so the purge finds it); false when the client_id is taken.</summary>
    public async Task<bool> AddAsync(OAuthClient client, CancellationToken cancellationToken = default)
    {
        var added = client.ExpiresAt is { } expiresAt
            ? await _expiring.TryAddAsync(ToEntity(client), expiresAt, cancellationToken)
            : await RetrySafeWrite.TryAddAsync(await tables.GetAsync(OAuthTables.Clients, cancellationToken), ToEntity(client), cancellationToken);
        if (added)
        {
            _cache.Remove(client.ClientId);
            AuditEvents.ClientRegistered(logger ?? NullLogger<ClientStore>.Instance, client.ClientId, client.Type.ToString());
        }

        return added;
    }

    /// <summary>
    /// Moves a registered client's expiry to at least <paramref name="until"/> (a client with no expiry is left alone).
    /// Later only: the index entry written with the row stays at or before its expiry, and the purge reschedules it.
    /// A concurrent extension wins or loses as a whole (conditional on the ETag); either keeps the client.
    /// </summary>
    public async Task ExtendAsync(OAuthClient client, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        if (client.ExpiresAt is not { } expiresAt || expiresAt >= until)
        {
            return;
        }

        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(client.ClientId, Row, cancellationToken: cancellationToken);
        if (!response.HasValue || response.Value is not { } entity || Live(FromEntity(entity), clock.GetUtcNow()) is not { ExpiresAt: { } stored } || stored >= until)
        {
            return;
        }

        try
        {
            await table.UpdateEntityAsync(new TableEntity(client.ClientId, Row) { ["ExpiresAt"] = until }, entity.ETag, TableUpdateMode.Merge, cancellationToken);
            _cache.Remove(client.ClientId);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Extended or removed by another request at the same moment.
        }
    }

    public async Task<bool> SetAssertionCredentialsAsync(OAuthClient client, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        var entity = new TableEntity(client.ClientId, Row)
        {
            // Empty, not null: a merge leaves out null properties, and these must be cleared when removed.
            ["Jwks"] = client.Jwks ?? "",
            ["JwksUri"] = client.JwksUri ?? "",
            ["FederatedCredentials"] = JsonSerializer.Serialize(client.FederatedCredentials),
        };
        try
        {
            // Merge on the existing row only (ETag *): the client's other settings and its secret hash stay as they are.
            await table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken);
            _cache.Remove(client.ClientId);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
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
        ["ExpiresAt"] = client.ExpiresAt,
        ["DefaultResource"] = client.DefaultResource,
        ["AllowedResources"] = string.Join(' ', client.AllowedResources),
        ["IdTokenSignedResponseAlg"] = client.IdTokenSignedResponseAlg,
        ["Jwks"] = client.Jwks,
        ["JwksUri"] = client.JwksUri,
        ["FederatedCredentials"] = client.FederatedCredentials.Count == 0 ? null : JsonSerializer.Serialize(client.FederatedCredentials),
        ["TokenEndpointAuthMethod"] = client.TokenEndpointAuthMethod,
        ["DpopBoundAccessTokens"] = client.DpopBoundAccessTokens,
        ["RequirePushedAuthorizationRequests"] = client.RequirePushedAuthorizationRequests,
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
        ExpiresAt = entity.GetDateTimeOffset("ExpiresAt"),
        DefaultResource = entity.GetString("DefaultResource"),
        AllowedResources = Split(entity.GetString("AllowedResources")),
        IdTokenSignedResponseAlg = entity.GetString("IdTokenSignedResponseAlg"),
        Jwks = entity.GetString("Jwks") is { Length: > 0 } jwks ? jwks : null,
        JwksUri = entity.GetString("JwksUri") is { Length: > 0 } jwksUri ? jwksUri : null,
        FederatedCredentials = JsonSerializer.Deserialize<FederatedCredential[]>(entity.GetString("FederatedCredentials") ?? "[]") ?? [],
        TokenEndpointAuthMethod = entity.GetString("TokenEndpointAuthMethod"),
        DpopBoundAccessTokens = entity.GetBoolean("DpopBoundAccessTokens") ?? false,
        RequirePushedAuthorizationRequests = entity.GetBoolean("RequirePushedAuthorizationRequests") ?? false,
    };

    /// <summary>The one "is live" rule of <see cref="ExpiringEntity"/>: an expired registration is absent.</summary>
    private static OAuthClient? Live(OAuthClient? client, DateTimeOffset now) => client is { ExpiresAt: { } expiresAt } && expiresAt <= now ? null : client;

    private static string[] Split(string? value) => (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private sealed record CachedClient(OAuthClient? Client, DateTimeOffset Until);
}
