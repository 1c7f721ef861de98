namespace Serverless.Testing;

/// <summary>
/// A TimeProvider the test moves by hand, so expiry is tested without waiting. It stands still, or with
/// <see cref="Running"/> it is the real time plus what the test added: for a browser, whose own clock keeps running.
/// </summary>
public sealed class ManualClock : TimeProvider
{
    private readonly long _startTicks;
    private readonly bool _running;
    private long _offsetTicks;

    public ManualClock() : this(DateTimeOffset.UtcNow)
    {
    }

    public ManualClock(DateTimeOffset start) => _startTicks = start.UtcTicks;

    private ManualClock(bool running) => _running = running;

    /// <summary>The real time, moved forward by every <see cref="Advance"/>.</summary>
    public static ManualClock Running() => new(running: true);

    public override DateTimeOffset GetUtcNow()
    {
        var offset = Interlocked.Read(ref _offsetTicks);
        return _running ? base.GetUtcNow().AddTicks(offset) : new DateTimeOffset(_startTicks + offset, TimeSpan.Zero);
    }

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
