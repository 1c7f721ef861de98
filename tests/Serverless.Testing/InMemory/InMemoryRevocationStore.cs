using Serverless.OAuth.Grants.Tokens;

namespace Serverless.Testing.InMemory;

/// <summary><see cref="IRevocationStore"/> in memory: markers by partition and row ("*" for the whole partition), expired ones read as absent.</summary>
public sealed class InMemoryRevocationStore(TimeProvider clock) : IRevocationStore
{
    private readonly Dictionary<(string Partition, string Row), DateTimeOffset> _markers = [];
    private readonly Lock _lock = new();

    public Task RevokePartitionAsync(string partition, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        Mark(partition, RevocationStore.FamilyRow, until);

    public Task RevokeTokenAsync(string partition, string jti, DateTimeOffset tokenExpiresAt, CancellationToken cancellationToken = default) =>
        Mark(partition, jti, tokenExpiresAt);

    public Task<bool> IsRevokedAsync(string partition, string jti, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        lock (_lock)
        {
            return Task.FromResult(
                (_markers.TryGetValue((partition, RevocationStore.FamilyRow), out var family) && now < family)
                || (_markers.TryGetValue((partition, jti), out var single) && now < single));
        }
    }

    private Task Mark(string partition, string row, DateTimeOffset until)
    {
        lock (_lock)
        {
            _markers[(partition, row)] = until;
        }

        return Task.CompletedTask;
    }
}
