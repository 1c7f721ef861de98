using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Grants.Tokens;

namespace Serverless.Testing.Storage;

/// <summary>Rows written through the real stores, and what the tables hold afterwards.</summary>
public sealed class PurgeFixture(IServiceProvider services, TimeProvider clock, IGrantStore? grants = null)
{
    public PurgeFixture(OAuthTestServices services, IGrantStore? grants = null)
        : this(services.Provider, services.Clock, grants)
    {
    }

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>The app's grant store, or one given (e.g. indexing as an earlier version did).</summary>
    public IGrantStore Grants => grants ?? services.GetRequiredService<IGrantStore>();

    public ExpiryIndex Index => services.GetRequiredService<ExpiryIndex>();

    public IRevocationStore Revocations => services.GetRequiredService<IRevocationStore>();

    /// <summary>Authorization codes, each in its own family partition with its index entry; returns the families.</summary>
    public async Task<List<string>> CreateCodesAsync(int count, TimeSpan lifetime)
    {
        var families = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var value = await Grants.CreateCodeAsync(
                new CodeGrant { ClientId = "client", RedirectUri = "https://app.example/callback", Scope = "read", Subject = "user", AuthTime = Now },
                Now + lifetime);
            if (!SecretValues.TrySplit(value, out var family, out _))
            {
                throw new InvalidOperationException("The grant store made a code that is not {family}.{secret}.");
            }

            families.Add(family);
        }

        return families;
    }

    /// <summary>Revoked access tokens in one partition, each with its own expiry (and index entry).</summary>
    public async Task RevokeTokensAsync(string partition, int count, TimeSpan lifetime)
    {
        for (var i = 0; i < count; i++)
        {
            await Revocations.RevokeTokenAsync(partition, $"{partition}.{lifetime.TotalSeconds}.{i}", Now + lifetime);
        }
    }

    public async Task<HashSet<(string Partition, string Row)>> RowsAsync(string table)
    {
        var client = await services.GetRequiredService<OAuthTables>().GetAsync(table);
        var rows = new HashSet<(string, string)>();
        await foreach (var row in client.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
        {
            rows.Add((row.PartitionKey, row.RowKey));
        }

        return rows;
    }

    public async Task<List<(string Bucket, string Entry)>> IndexEntriesAsync() =>
        (await RowsAsync(OAuthTables.Expiry)).Select(r => (r.Partition, r.Row)).ToList();

    public ExpiryPurge NewPurge(OAuthTables? tables = null) =>
        new(tables ?? services.GetRequiredService<OAuthTables>(), new ExpiryIndex(tables ?? services.GetRequiredService<OAuthTables>(), Index.Shards), clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<ExpiryPurge>.Instance);
}
