namespace Serverless.BrowserTests;

/// <summary>
/// The real time plus an offset a test moves forward. A browser's clock keeps running, so the server's must too (a
/// frozen ManualClock would drift apart from it); Playwright's page clock is moved forward by the same amount.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
