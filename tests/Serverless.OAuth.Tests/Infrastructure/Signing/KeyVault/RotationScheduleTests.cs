using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Infrastructure.Signing.KeyVault;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Infrastructure.Signing.KeyVault;

/// <summary>KeyVaultWrapped mode's schedule under the shared key lifecycle, without a vault or a table.</summary>
public sealed class RotationScheduleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromDays(1);
    private static readonly TimeSpan Delay = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Reach = TimeSpan.FromMinutes(11); // 10-minute tokens, 1 minute of skew
    private static readonly DateTimeOffset Period = new(2031, 5, 14, 0, 0, 0, TimeSpan.Zero);

    private readonly ManualClock _clock = new(Period.AddHours(1));
    private readonly RotationSchedule _schedule = new(new KeyLifecycle(Delay, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)), Interval, "ES256");

    private static WrappedSigningKeyEntity Row(RotationSchedule.KeyTimes times, DateTimeOffset createdAt) => new()
    {
        PartitionKey = times.Partition,
        CreatedAt = createdAt,
        ActivatesAt = times.ActivatesAt,
        ExpiresAt = times.ExpiresAt,
    };

    [Fact]
    public void PeriodsCountFromTheEpoch_AndTheNextKeyIsMadeTwoRefreshesAhead()
    {
        var now = _clock.GetUtcNow();

        Assert.Equal(Period, _schedule.PeriodStart(now));
        Assert.Equal(Period + Interval, _schedule.NextPeriodStart(now));
        Assert.Equal(Period + Interval - 2 * Delay, _schedule.PrepublishFrom(Period + Interval));
        Assert.Equal("p20310514000000-ES256", _schedule.ScheduledPartition(Period));
        Assert.Equal("p20310514000000-RS256", RotationSchedule.ScheduledPartition(Period, "RS256"));
    }

    [Fact]
    public void APeriodsKeyMadeAhead_SignsFromThePeriod_AndStaysUntilItsLastTokenAfterALateSuccessor()
    {
        var next = Period + Interval;
        _clock.Advance(_schedule.PrepublishFrom(next) - _clock.GetUtcNow());

        var times = _schedule.ForPeriod(next, _clock.GetUtcNow());

        Assert.Equal(_schedule.ScheduledPartition(next), times.Partition);
        Assert.Equal(next, times.ActivatesAt);
        Assert.Equal(next + Interval + Delay + Reach, times.ExpiresAt);
    }

    [Fact]
    public void AKeyMadeLate_OrOutsideTheSchedule_SignsOnlyOncePublished()
    {
        var now = _clock.GetUtcNow();

        var late = _schedule.ForPeriod(Period, now);
        var manual = _schedule.Manual(now);

        Assert.Equal(now + Delay, late.ActivatesAt);
        Assert.Equal(now + Delay, manual.ActivatesAt);
        Assert.StartsWith("m", manual.Partition, StringComparison.Ordinal);
        Assert.Equal(Period + Interval + Delay + Reach, manual.ExpiresAt); // until the next period's key takes over
    }

    [Fact]
    public void TheSigner_IsTheLastActivatedKey_ThatCanStillSign_OrElseTheNextToActivate()
    {
        var now = _clock.GetUtcNow();
        var current = Row(_schedule.ForPeriod(Period, Period - 2 * Delay), Period - 2 * Delay);
        var manual = Row(_schedule.Manual(now), now);

        Assert.Same(current, _schedule.ChooseSigner([current, manual], now));

        _clock.Advance(Delay);
        Assert.Same(manual, _schedule.ChooseSigner([current, manual], _clock.GetUtcNow()));

        // After a long idle the old key can no longer sign (its tokens would outlive its publication): the new one signs at once.
        var later = current.ExpiresAt - Reach + TimeSpan.FromSeconds(1);
        var fresh = Row(_schedule.ForPeriod(_schedule.PeriodStart(later), later), later);
        Assert.Same(fresh, _schedule.ChooseSigner([current, fresh], later));
        Assert.Throws<InvalidOperationException>(() => _schedule.ChooseSigner([current], later));
    }

    [Fact]
    public void TheRingIsLookedAtAgain_WhenAKeyActivates_StopsSigning_OrExpires()
    {
        var now = _clock.GetUtcNow();
        var current = Row(_schedule.ForPeriod(Period, Period), Period);
        var manual = Row(_schedule.Manual(now), now);

        Assert.Equal(manual.ActivatesAt, _schedule.NextChange([current, manual], now, now + TimeSpan.FromHours(1)));
        Assert.Equal(now + TimeSpan.FromMinutes(1), _schedule.NextChange([current, manual], now, now + TimeSpan.FromMinutes(1)));

        var idle = current.ExpiresAt - Reach - TimeSpan.FromMinutes(1);
        Assert.Equal(current.ExpiresAt - Reach, _schedule.NextChange([current], idle, DateTimeOffset.MaxValue));
    }
}
