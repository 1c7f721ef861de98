using Azure;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// Values that may be used once, across every instance: a client assertion's <c>jti</c> (RFC 7523 §3), and next a DPoP
/// proof's. The first use inserts a row keyed by the scope and the value; the insert is atomic, so of two requests with
/// the same value on two instances exactly one wins, and the other's 409 is the replay. The row lives until the value
/// could no longer be accepted anyway (its token's expiry), through <see cref="ExpiringTable"/> like every other row,
/// so the purge removes it. Only a hash of scope and value is stored: the keys stay within Table Storage's alphabet
/// whatever the value holds.
/// </summary>
public sealed class OneTimeIds(OAuthTables tables, ExpiryIndex index, TimeProvider clock) : IOneTimeIds
{
    private readonly ExpiringTable _replays = new(OAuthTables.Replays, tables, index, clock);

    /// <summary>
    /// Records the first use of <paramref name="value"/> within <paramref name="scope"/> (e.g. "client_assertion:{client}"),
    /// kept until <paramref name="until"/>; false when it was used before and that use is still remembered.
    /// </summary>
    public async Task<bool> TryUseAsync(string scope, string value, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var key = SecretValues.Hash(scope + "\n" + value);
        var row = new OneTimeIdEntity { PartitionKey = key, RowKey = OneTimeIdEntity.Row, ExpiresAt = until };
        try
        {
            await _replays.AddAsync(row, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // The purge may not have removed an expired use yet: such a row no longer counts, and is taken over
            // conditionally, so two requests reusing it at once still have one winner.
            var stored = await _replays.GetStoredAsync<OneTimeIdEntity>(key, OneTimeIdEntity.Row, cancellationToken);
            if (stored is null || _replays.IsLive(stored))
            {
                return false;
            }

            try
            {
                await _replays.ReplaceAsync(row, stored.ETag, cancellationToken);
                return true;
            }
            catch (RequestFailedException conflict) when (conflict.Status is 404 or 412)
            {
                return false;
            }
        }
    }
}

/// <summary>
/// The single-use check as DPoP proofs see it: the benchmark of a DPoP-bound token swaps it for one without storage,
/// so that the in-process figure is the CPU cost and the one insert is counted with the storage round trips.
/// </summary>
public interface IOneTimeIds
{
    /// <inheritdoc cref="OneTimeIds.TryUseAsync"/>
    Task<bool> TryUseAsync(string scope, string value, DateTimeOffset until, CancellationToken cancellationToken);
}

/// <summary>One used value: only its hash, in the partition key, and how long it is remembered.</summary>
public sealed class OneTimeIdEntity : ExpiringEntity
{
    public const string Row = "used";
}
