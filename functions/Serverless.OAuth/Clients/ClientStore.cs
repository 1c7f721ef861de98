using System.Collections.Concurrent;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Options;
using Serverless.OAuth.Storage;
using Serverless.OAuth.Telemetry;

namespace Serverless.OAuth.Clients;

/// <summary>
/// Clients in Table Storage (partition = client_id), cached in memory for <see cref="OAuthServerOptions.ClientCacheLifetime"/>
/// so that the token endpoint does not pay a storage round trip per request. A removed or changed client is seen by
/// every instance within that time.
/// </summary>
public class ClientStore(OAuthTables tables, OAuthServerOptions options, TimeProvider clock, ILogger<ClientStore>? logger = null)
{
    private const string Row = "client";
    private readonly ConcurrentDictionary<string, (OAuthClient? Client, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>For mocking.</summary>
    protected ClientStore() : this(null!, new OAuthServerOptions(), TimeProvider.System)
    {
    }

    public virtual async Task<OAuthClient?> FindAsync(string clientId, CancellationToken cancellationToken = default)
    {
        if (!OAuthClient.IsValidClientId(clientId))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(clientId, out var cached) && cached.Until > now)
        {
            return cached.Client;
        }

        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(clientId, Row, cancellationToken: cancellationToken);
        var client = response.HasValue ? FromEntity(response.Value!) : null;
        _cache[clientId] = (client, now + options.ClientCacheLifetime);
        return client;
    }

    public virtual async Task<IReadOnlyList<OAuthClient>> ListAsync(CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        var clients = new List<OAuthClient>();
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            clients.Add(FromEntity(entity));
        }

        return clients;
    }

    /// <summary>Adds a client; false when the client_id is taken.</summary>
    public virtual async Task<bool> AddAsync(OAuthClient client, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        try
        {
            await table.AddEntityAsync(ToEntity(client), cancellationToken);
            _cache.TryRemove(client.ClientId, out _);
            AuditEvents.ClientRegistered(logger ?? NullLogger<ClientStore>.Instance, client.ClientId, client.Type.ToString());
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    public virtual async Task<bool> RemoveAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var table = await tables.GetAsync(OAuthTables.Clients, cancellationToken);
        var response = await table.DeleteEntityAsync(clientId, Row, ETag.All, cancellationToken);
        _cache.TryRemove(clientId, out _);
        return response.Status != 404;
    }

    private static TableEntity ToEntity(OAuthClient client) => new(client.ClientId, Row)
    {
        ["Name"] = client.Name,
        ["Type"] = client.Type.ToString(),
        ["SecretHash"] = client.SecretHash,
        ["RedirectUris"] = JsonSerializer.Serialize(client.RedirectUris),
        ["AllowedScopes"] = string.Join(' ', client.AllowedScopes),
        ["AllowedGrantTypes"] = string.Join(' ', client.AllowedGrantTypes),
        ["RefreshRequiresOfflineAccess"] = client.RefreshRequiresOfflineAccess,
    };

    private static OAuthClient FromEntity(TableEntity entity) => new()
    {
        ClientId = entity.PartitionKey,
        Name = entity.GetString("Name") ?? entity.PartitionKey,
        Type = Enum.TryParse<ClientType>(entity.GetString("Type"), out var type) ? type : ClientType.Confidential,
        SecretHash = entity.GetString("SecretHash"),
        RedirectUris = JsonSerializer.Deserialize<string[]>(entity.GetString("RedirectUris") ?? "[]") ?? [],
        AllowedScopes = Split(entity.GetString("AllowedScopes")),
        AllowedGrantTypes = Split(entity.GetString("AllowedGrantTypes")),
        RefreshRequiresOfflineAccess = entity.GetBoolean("RefreshRequiresOfflineAccess") ?? false,
    };

    private static string[] Split(string? value) => (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
