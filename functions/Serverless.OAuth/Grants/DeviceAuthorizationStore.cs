using Azure;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Grants;

/// <summary>Where a device authorization stands (RFC 8628 §3.3-3.5).</summary>
public static class DeviceAuthorizationStatus
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Denied = "denied";

    /// <summary>Its tokens were issued: once, whoever polls next gets invalid_grant.</summary>
    public const string Redeemed = "redeemed";
}

/// <summary>
/// One device authorization (table "devicecodes"): partition the SHA-256 of its user code, so the verification page
/// finds it by one point read of what the user typed; row "device". The device code is "{partition}.{secret}" with a
/// 256-bit secret, stored as its SHA-256 only, so the poll finds the row by one point read too. Neither code is stored
/// in clear. Every state change is conditional on the row's ETag, so instances agree on the poll times (slow_down) and
/// on who redeems an approval.
/// </summary>
public sealed class DeviceCodeEntity : ExpiringEntity
{
    public const string Row = "device";

    public string DeviceCodeHash { get; set; } = "";

    public string ClientId { get; set; } = "";

    public string Scope { get; set; } = "";

    /// <summary>The identifiers of the APIs the authorization covers (RFC 8707), space-separated.</summary>
    public string? Resources { get; set; }

    public string Status { get; set; } = DeviceAuthorizationStatus.Pending;

    /// <summary>The least seconds between polls: the configured interval, plus 5 for each slow_down (RFC 8628 §3.5).</summary>
    public int IntervalSeconds { get; set; }

    public DateTimeOffset? LastPolledAt { get; set; }

    public string? Subject { get; set; }

    public DateTimeOffset? AuthTime { get; set; }

    public string? AuthenticationMethods { get; set; }

    public string? SessionId { get; set; }

    /// <summary>Whether the user was asked and allowed the scope just now, so the consent is remembered with the grant.</summary>
    public bool ConsentAsked { get; set; }
}

/// <summary>A new device authorization: the values the device gets, once.</summary>
public sealed record NewDeviceAuthorization(string DeviceCode, string UserCode, DateTimeOffset ExpiresAt);

/// <summary>The rows of the device authorization grant, through <see cref="ExpiringTable"/>.</summary>
public sealed class DeviceAuthorizationStore(OAuthTables tables, ExpiryIndex index, TimeProvider clock)
{
    private readonly ExpiringTable _rows = new(OAuthTables.DeviceCodes, tables, index, clock);

    /// <summary>
    /// Stores a new authorization under a new user code. A user code whose partition is taken (2.56 x 10^10 codes, so
    /// rare) is drawn again.
    /// </summary>
    public async Task<NewDeviceAuthorization> CreateAsync(
        string clientId, string scope, string? resources, TimeSpan lifetime, int intervalSeconds, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var userCode = UserCode.New();
            var partition = UserCode.Hash(UserCode.Normalize(userCode)!);
            var deviceCode = SecretValues.Compose(partition, SecretValues.NewSecret());
            var expiresAt = clock.GetUtcNow() + lifetime;
            try
            {
                await _rows.AddAsync(
                    new DeviceCodeEntity
                    {
                        PartitionKey = partition,
                        RowKey = DeviceCodeEntity.Row,
                        DeviceCodeHash = SecretValues.Hash(deviceCode),
                        ClientId = clientId,
                        Scope = scope,
                        Resources = resources,
                        IntervalSeconds = intervalSeconds,
                        ExpiresAt = expiresAt,
                    },
                    cancellationToken);
                return new NewDeviceAuthorization(deviceCode, userCode, expiresAt);
            }
            catch (RequestFailedException e) when (e.Status == 409 && attempt < 4)
            {
                // That user code is in use (or expired and not yet purged): draw another.
            }
        }
    }

    /// <summary>The live authorization a typed user code names, or null (unknown, malformed or expired).</summary>
    public async Task<DeviceCodeEntity?> FindByUserCodeAsync(string? typedUserCode, CancellationToken cancellationToken) =>
        UserCode.Normalize(typedUserCode) is { } normalized
            ? await _rows.GetAsync<DeviceCodeEntity>(UserCode.Hash(normalized), DeviceCodeEntity.Row, cancellationToken)
            : null;

    /// <summary>The authorization a device code names, expired or not (so the poll can say expired_token); null when unknown.</summary>
    public async Task<DeviceCodeEntity?> FindByDeviceCodeAsync(string? deviceCode, CancellationToken cancellationToken)
    {
        if (!SecretValues.TrySplit(deviceCode, out var partition, out _) || partition.Length != 43)
        {
            return null;
        }

        var row = await _rows.GetStoredAsync<DeviceCodeEntity>(partition, DeviceCodeEntity.Row, cancellationToken);
        return row is not null && SecretValues.HashEquals(row.DeviceCodeHash, deviceCode!) ? row : null;
    }

    /// <summary>The row as stored now, to decide again after a conditional write lost to another instance.</summary>
    public Task<DeviceCodeEntity?> FindByPartitionAsync(string partition, CancellationToken cancellationToken) =>
        _rows.GetStoredAsync<DeviceCodeEntity>(partition, DeviceCodeEntity.Row, cancellationToken);

    public bool IsLive(DeviceCodeEntity row) => _rows.IsLive(row);

    /// <summary>Replaces the row if unchanged since it was read; false when another instance changed it first.</summary>
    public Task<bool> TryReplaceAsync(DeviceCodeEntity row, CancellationToken cancellationToken) => _rows.TryReplaceAsync(row, cancellationToken);
}
