using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Identity.Sessions;
using Serverless.OAuth.Identity.Users;
using Serverless.Testing;
using Serverless.Testing.InMemory;

namespace Serverless.OAuth.Tests.Identity.Sessions;

/// <summary>
/// The session's lifetimes on an in-memory store and a manual clock: the idle end slides with use (written at most
/// once per tenth of it), the absolute end holds however the session is used, and an ended or tampered session signs
/// no one in. That every instance reads the same row is tested against Azurite.
/// </summary>
public sealed class SessionLifetimeTests
{
    private static readonly OAuthUser Alice = new("alice", "sub-alice", "hash", null);
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly OAuthServerOptions _options = new() { SessionIdleLifetime = TimeSpan.FromHours(8), SessionAbsoluteLifetime = TimeSpan.FromDays(7) };
    private readonly InMemorySessionStore _sessions;

    public SessionLifetimeTests() => _sessions = new InMemorySessionStore(_options, _clock);

    [Fact]
    public async Task AnUnusedSession_EndsAtItsIdleLifetime()
    {
        var started = await _sessions.StartAsync(Alice, ["pwd"], default);
        _clock.Advance(_options.SessionIdleLifetime - TimeSpan.FromSeconds(1));
        Assert.NotNull(await _sessions.FindAsync(started.CookieValue, default));

        _clock.Advance(_options.SessionIdleLifetime);

        Assert.Null(await _sessions.FindAsync(started.CookieValue, default));
    }

    [Fact]
    public async Task UseSlidesTheIdleEnd_WithAWriteAtMostOncePerTenthOfIt()
    {
        var started = await _sessions.StartAsync(Alice, ["pwd"], default);
        for (var hour = 0; hour < 48; hour++)
        {
            _clock.Advance(TimeSpan.FromMinutes(30));
            Assert.NotNull(await _sessions.FindAsync(started.CookieValue, default));
        }

        // 24 hours of use every 30 minutes: the idle end moved (a write) once per 48 minutes at most, not per lookup.
        Assert.InRange(_sessions.Renewals, 24, 30);
    }

    [Fact]
    public async Task ASessionInUse_EndsAtItsAbsoluteLifetime()
    {
        var started = await _sessions.StartAsync(Alice, ["pwd"], default);
        var end = _clock.GetUtcNow() + _options.SessionAbsoluteLifetime;
        while (_clock.GetUtcNow() + TimeSpan.FromHours(1) < end)
        {
            _clock.Advance(TimeSpan.FromHours(1));
            Assert.NotNull(await _sessions.FindAsync(started.CookieValue, default));
        }

        _clock.Advance(end - _clock.GetUtcNow());

        Assert.Null(await _sessions.FindAsync(started.CookieValue, default));
    }

    [Fact]
    public async Task AnEndedOrTamperedSession_SignsNoOneIn()
    {
        var started = await _sessions.StartAsync(Alice, ["pwd"], default);
        Assert.Null(await _sessions.FindAsync(started.CookieValue + "x", default));
        Assert.Null(await _sessions.FindAsync("no-dot", default));
        Assert.Equal("sub-alice", (await _sessions.FindAsync(started.CookieValue, default))!.Subject);

        await _sessions.EndAsync(started.Session.Sid, default);

        Assert.Null(await _sessions.FindAsync(started.CookieValue, default));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(47, null)]
    [InlineData(48, 48)]
    [InlineData(120, 120)]
    public void TheIdleEndMoves_OnlyWhenATenthOfItHasPassed(int minutesLater, int? movedByMinutes)
    {
        var lifetime = new SessionLifetime(_options);
        var now = _clock.GetUtcNow();
        var (idleEnd, absoluteEnd) = lifetime.Start(now);

        var renewed = lifetime.Renewal(now + TimeSpan.FromMinutes(minutesLater), idleEnd, absoluteEnd);

        Assert.Equal(movedByMinutes is { } minutes ? idleEnd + TimeSpan.FromMinutes(minutes) : null, renewed);
    }

    [Fact]
    public void TheIdleEnd_NeverPassesTheAbsoluteEnd()
    {
        var lifetime = new SessionLifetime(new OAuthServerOptions { SessionIdleLifetime = TimeSpan.FromHours(8), SessionAbsoluteLifetime = TimeSpan.FromHours(2) });
        var now = _clock.GetUtcNow();

        var (idleEnd, absoluteEnd) = lifetime.Start(now);

        Assert.Equal(now + TimeSpan.FromHours(2), idleEnd);
        Assert.Equal(absoluteEnd, idleEnd);
        Assert.Null(lifetime.Renewal(now + TimeSpan.FromHours(1), idleEnd, absoluteEnd));
    }
}
