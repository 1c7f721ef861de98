using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// A table of rows that expire (<see cref="ExpiringEntity"/>), and the only way to write or read them. It keeps two
/// rules so that no store has to: a write that may create a partition indexes the row's expiry first
/// (<see cref="ExpiryIndex"/>), so no row ever escapes the purge, and a read returns an expired row as absent, by the
/// server's <see cref="TimeProvider"/>, because Table Storage has no TTL and the purge runs later.
/// </summary>
/// <example>
/// A new table of expiring rows: add its name to <see cref="OAuthTables.All"/>, derive its row from
/// <see cref="ExpiringEntity"/>, and let its store own one of these.
/// <code>
/// public sealed class SessionStore(OAuthTables tables, ExpiryIndex index, TimeProvider clock)
/// {
///     private readonly ExpiringTable _sessions = new(OAuthTables.Sessions, tables, index, clock);
///
///     public Task AddAsync(SessionEntity session, CancellationToken ct) => _sessions.AddAsync(session, ct);
///
///     public Task&lt;SessionEntity?&gt; FindAsync(string id, CancellationToken ct) =>
///         _sessions.GetAsync&lt;SessionEntity&gt;(id, SessionEntity.Row, ct);
/// }
/// </code>
/// </example>
/// <param name="partitionsRecur">
/// True for a table whose partitions are written again and again (a user's, a key's): an index entry this instance
/// wrote and that is not yet due is not written again (<see cref="ExpiryIndex.EnsureAsync"/>).
/// </param>
public sealed class ExpiringTable(string name, OAuthTables tables, ExpiryIndex index, TimeProvider clock, bool partitionsRecur = false)
{
    public string Name { get; } = name;

    /// <summary>The one liveness rule: a row is live strictly before its expiry.</summary>
    public bool IsLive(ExpiringEntity row) => row.IsLive(clock.GetUtcNow());

    /// <summary>
    /// Indexes the row's expiry, then inserts it; a key taken by another fails with the storage's 409, and the insert's
    /// own retry does not (<see cref="RetrySafeWrite"/>).
    /// </summary>
    public async Task<ETag> AddAsync(ExpiringEntity row, CancellationToken cancellationToken) =>
        await RetrySafeWrite.AddAsync(await IndexAsync(row, cancellationToken), row, cancellationToken);

    /// <summary>
    /// Inserts a row whose partition the caller has already indexed at or before its expiry
    /// (<see cref="ExpiryIndex.EnsureAllAsync"/>, for rows of several partitions written together); a taken key fails
    /// with the storage's 409.
    /// </summary>
    public async Task<ETag> AddIndexedAsync(ExpiringEntity row, CancellationToken cancellationToken) =>
        await RetrySafeWrite.AddAsync(await tables.GetAsync(Name, cancellationToken), row, cancellationToken);

    /// <summary>
    /// Adds a row whose columns are a dictionary rather than a typed <see cref="ExpiringEntity"/> (a client's row, which
    /// expires only when it registered itself): its expiry is set and indexed first, like any other row's. False when
    /// the key was another's (<see cref="RetrySafeWrite"/>).
    /// </summary>
    public async Task<bool> TryAddAsync(TableEntity row, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        row[nameof(ExpiringEntity.ExpiresAt)] = expiresAt;
        await index.AddAsync(Name, row.PartitionKey, expiresAt, cancellationToken);
        return await RetrySafeWrite.TryAddAsync(await tables.GetAsync(Name, cancellationToken), row, cancellationToken);
    }

    /// <summary>Indexes the row's expiry, then inserts or replaces it.</summary>
    public async Task UpsertAsync(ExpiringEntity row, CancellationToken cancellationToken)
    {
        var table = await IndexAsync(row, cancellationToken);
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>
    /// Indexes the partition at the earliest expiry of <paramref name="rows"/> (all in one partition), then inserts or
    /// replaces them in one entity-group transaction: one index entry and one round trip for rows written together.
    /// </summary>
    public async Task UpsertAllAsync(IReadOnlyList<ExpiringEntity> rows, CancellationToken cancellationToken)
    {
        var earliest = rows.MinBy(row => row.ExpiresAt) ?? throw new ArgumentException("No rows to write.", nameof(rows));
        var table = await IndexAsync(earliest, cancellationToken);
        await table.SubmitTransactionAsync(rows.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, row)), cancellationToken);
    }

    /// <summary>
    /// Replaces a row read with <paramref name="version"/>, failing with the storage's 404 or 412 when another writer
    /// changed it (and not when its own retry did: <see cref="RetrySafeWrite"/>). Not indexed again: the row's
    /// partition already has an entry at or before its old expiry, so a replace may move the expiry later (the purge
    /// reschedules the entry) but never earlier.
    /// </summary>
    public async Task<ETag> ReplaceAsync(ExpiringEntity row, ETag version, CancellationToken cancellationToken) =>
        await RetrySafeWrite.ReplaceAsync(await tables.GetAsync(Name, cancellationToken), row, version, cancellationToken);

    /// <summary>
    /// <see cref="ReplaceAsync"/> of a row as read (its <see cref="ExpiringEntity.ETag"/>), which then carries its new
    /// version; false when another writer changed or deleted it first.
    /// </summary>
    public async Task<bool> TryReplaceAsync(ExpiringEntity row, CancellationToken cancellationToken)
    {
        try
        {
            row.ETag = await ReplaceAsync(row, row.ETag, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>Deletes a row read with <paramref name="version"/> (a missing row is not an error; a changed one is 412).</summary>
    public async Task DeleteAsync(string partition, string row, ETag version, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(Name, cancellationToken);
        await table.DeleteEntityAsync(partition, row, version, cancellationToken);
    }

    /// <summary>
    /// One entity-group transaction in one partition; false when a condition failed (an ETag changed, a row existed or
    /// was gone). Not indexed: its rows join a partition already indexed by <see cref="AddAsync"/> or
    /// <see cref="UpsertAsync"/>, and may expire later than that entry, never earlier.
    /// </summary>
    public async Task<bool> SubmitAsync(IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(Name, cancellationToken);
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
        {
            return false;
        }
    }

    /// <summary>A live row, or null when it is missing or expired.</summary>
    public async Task<T?> GetAsync<T>(string partition, string row, CancellationToken cancellationToken)
        where T : ExpiringEntity, new()
    {
        var stored = await GetStoredAsync<T>(partition, row, cancellationToken);
        return stored is not null && IsLive(stored) ? stored : null;
    }

    /// <summary>
    /// The row as stored, expired or not: for a writer that replaces it conditionally (an expired row is replaced like
    /// any other) or that checks whether its own earlier write committed.
    /// </summary>
    public async Task<T?> GetStoredAsync<T>(string partition, string row, CancellationToken cancellationToken)
        where T : ExpiringEntity, new()
    {
        var table = await tables.GetAsync(Name, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<T>(partition, row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>The live rows matching <paramref name="filter"/> (null: every row); <paramref name="select"/> may name only some columns.</summary>
    public async IAsyncEnumerable<T> QueryLiveAsync<T>(
        string? filter, IReadOnlyList<string>? select, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : ExpiringEntity, new()
    {
        var table = await tables.GetAsync(Name, cancellationToken);
        var liveFilter = TableClient.CreateQueryFilter($"ExpiresAt gt {clock.GetUtcNow()}");
        var columns = select is null ? null : select.Append(nameof(ExpiringEntity.ExpiresAt)).Distinct(StringComparer.Ordinal).ToList();
        await foreach (var row in table.QueryAsync<T>(
            filter is null ? liveFilter : $"({filter}) and {liveFilter}", select: columns, cancellationToken: cancellationToken))
        {
            // Checked here too: the clock may have moved on since the query was sent.
            if (IsLive(row))
            {
                yield return row;
            }
        }
    }

    private async Task<TableClient> IndexAsync(ExpiringEntity row, CancellationToken cancellationToken)
    {
        if (partitionsRecur)
        {
            await index.EnsureAsync(Name, row.PartitionKey, row.ExpiresAt, clock.GetUtcNow(), cancellationToken);
        }
        else
        {
            await index.AddAsync(Name, row.PartitionKey, row.ExpiresAt, cancellationToken);
        }

        return await tables.GetAsync(Name, cancellationToken);
    }
}
