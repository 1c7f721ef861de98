using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Infrastructure.Signing;

/// <summary>The one key lifecycle: publish a propagation delay before signing, unpublish a token lifetime plus skew after retiring.</summary>
public sealed class KeyLifecycleTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    private readonly ManualClock _clock = new();
    private readonly KeyLifecycle _lifecycle = new(Delay, Lifetime, Skew);

    [Fact]
    public void TheTimings_ComeFromTheSigningOptions_AndTheAccessTokenLifetime()
    {
        var lifecycle = KeyLifecycle.For(new OAuthServerOptions
        {
            AccessTokenLifetime = TimeSpan.FromMinutes(20),
            Signing = { KeyRefreshInterval = TimeSpan.FromMinutes(2), ClockSkew = TimeSpan.FromSeconds(30) },
        });

        Assert.Equal(TimeSpan.FromMinutes(2), lifecycle.PropagationDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), lifecycle.ClockSkew);
        Assert.Equal(TimeSpan.FromMinutes(20.5), lifecycle.TokenReach);
    }

    [Fact]
    public void ANewKey_IsPublishedBeforeItSigns_AndTheOldOneSignsMeanwhile()
    {
        var first = _clock.GetUtcNow();
        _clock.Advance(TimeSpan.FromHours(1));
        var second = _lifecycle.ActivationOf(_clock.GetUtcNow());

        var plan = _lifecycle.Plan([first, second], _clock.GetUtcNow());

        Assert.Equal(0, plan.Signer);
        Assert.Equal([0, 1], plan.Published);
        Assert.Equal(second, plan.ValidUntil); // look again when the new key activates

        _clock.Advance(Delay);
        plan = _lifecycle.Plan([first, second], _clock.GetUtcNow());
        Assert.Equal(1, plan.Signer);
        Assert.Equal([0, 1], plan.Published);
    }

    [Fact]
    public void ARetiredKey_StaysPublished_UntilItsLastTokenHasExpiredPlusSkew()
    {
        var first = _clock.GetUtcNow();
        var second = first + TimeSpan.FromHours(1);
        _clock.Advance(TimeSpan.FromHours(1));

        var plan = _lifecycle.Plan([first, second], _clock.GetUtcNow());
        Assert.Equal([0, 1], plan.Published);
        Assert.Equal(_clock.GetUtcNow() + Delay, plan.ValidUntil); // nothing changes sooner than the next refresh

        _clock.Advance(Lifetime + Skew - TimeSpan.FromSeconds(1));
        plan = _lifecycle.Plan([first, second], _clock.GetUtcNow());
        Assert.Equal([0, 1], plan.Published);
        Assert.Equal(second + Lifetime + Skew, plan.ValidUntil);

        _clock.Advance(TimeSpan.FromSeconds(1));
        plan = _lifecycle.Plan([first, second], _clock.GetUtcNow());
        Assert.Equal(1, plan.Signer);
        Assert.Equal([1], plan.Published);
    }

    [Fact]
    public void WhenNoKeyHasActivatedYet_TheEarliestSigns()
    {
        var now = _clock.GetUtcNow();

        var plan = _lifecycle.Plan([now + TimeSpan.FromMinutes(1), now + TimeSpan.FromMinutes(2)], now);

        Assert.Equal(0, plan.Signer);
        Assert.Equal([0, 1], plan.Published);
        Assert.Equal(now + TimeSpan.FromMinutes(2), plan.ValidUntil); // the next change: the second key takes over
    }

    [Fact]
    public void AKey_SignsOnlyWhileEveryTokenItSignsExpiresBeforeItIsUnpublished()
    {
        var now = _clock.GetUtcNow();
        var unpublishAt = _lifecycle.UnpublishOf(now);

        Assert.Equal(now + Lifetime + Skew, unpublishAt);
        Assert.True(_lifecycle.CanSign(unpublishAt, now));
        Assert.False(_lifecycle.CanSign(unpublishAt, now + TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void KeysOutOfActivationOrder_OrNone_AreRefused()
    {
        var now = _clock.GetUtcNow();

        Assert.Throws<ArgumentException>(() => _lifecycle.Plan([], now));
        Assert.Throws<ArgumentException>(() => _lifecycle.Plan([now, now - TimeSpan.FromMinutes(1)], now));
    }
}
