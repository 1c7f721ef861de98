namespace Serverless.OAuth.Infrastructure.Signing;

/// <summary>
/// A value kept until it runs out, then reloaded by one caller while the others wait for the result: the key rings of
/// every signing mode. Changes (rotations) take the same gate, so a reload never interleaves with one.
/// </summary>
public sealed class ReloadingValue<T>(
    TimeProvider clock, Func<T, DateTimeOffset> validUntil, Func<DateTimeOffset, T?, CancellationToken, Task<T>> reload) : IDisposable
    where T : class
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private T? _value;

    public async ValueTask<T> GetAsync(CancellationToken cancellationToken)
    {
        if (_value is { } value && validUntil(value) > clock.GetUtcNow())
        {
            return value;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            if (_value is { } again && validUntil(again) > now)
            {
                return again;
            }

            // The reload sees the previous value, to keep serving it when the source is briefly away.
            _value = await reload(now, _value, cancellationToken);
            return _value;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs a change of the underlying keys exclusive of reloads, then forgets the value so the next get reloads.</summary>
    public async Task<TResult> ChangeAsync<TResult>(Func<Task<TResult>> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var result = await change();
            _value = null;
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
