using Azure;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Identity.Upstream;

/// <summary>
/// Which local account an upstream identity signs in as: one row per (provider, stable key), in a partition of its own
/// (the hash of both, which is also table-key-safe), so that a first sign-in is one conditional insert and every
/// later one a point read. A link lives as long as the account it names, so its expiry is the far future.
/// </summary>
public sealed class UpstreamLinkStore(OAuthTables tables, ExpiryIndex expiryIndex, TimeProvider clock)
{
    /// <summary>Links do not expire; the index has a bucket for every row, so this is a date, not DateTimeOffset.MaxValue.</summary>
    public static readonly DateTimeOffset Forever = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly ExpiringTable _links = new(OAuthTables.UpstreamLinks, tables, expiryIndex, clock);

    public static string KeyOf(string provider, string stableKey) => SecretValues.Hash(provider + "\n" + stableKey);

    public Task<UpstreamLinkEntity?> FindAsync(string provider, string stableKey, CancellationToken cancellationToken) =>
        _links.GetAsync<UpstreamLinkEntity>(KeyOf(provider, stableKey), UpstreamLinkEntity.Row, cancellationToken);

    /// <summary>Links the identity to the account; false when it was linked meanwhile (the first link stands).</summary>
    public async Task<bool> AddAsync(string provider, string stableKey, string subject, string username, CancellationToken cancellationToken)
    {
        try
        {
            await _links.AddAsync(
                new UpstreamLinkEntity
                {
                    PartitionKey = KeyOf(provider, stableKey),
                    RowKey = UpstreamLinkEntity.Row,
                    Provider = provider,
                    StableKey = stableKey,
                    Subject = subject,
                    Username = username,
                    ExpiresAt = Forever,
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Every link of a provider (the admin listing); a scan, for an operator, never on a request path.</summary>
    public IAsyncEnumerable<UpstreamLinkEntity> ListAsync(string provider, CancellationToken cancellationToken) =>
        _links.QueryLiveAsync<UpstreamLinkEntity>($"Provider eq '{provider.Replace("'", "''", StringComparison.Ordinal)}'", null, cancellationToken);
}

public sealed class UpstreamLinkEntity : ExpiringEntity
{
    public const string Row = "link";

    public string Provider { get; set; } = "";

    /// <summary>The provider's stable identifier of the user (Entra "{tid}/{oid}"; otherwise "{iss}|{sub}"): an identifier, not a secret.</summary>
    public string StableKey { get; set; } = "";

    public string Subject { get; set; } = "";

    public string Username { get; set; } = "";
}
