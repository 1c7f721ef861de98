using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Identity.Consents;
using Serverless.OAuth.Grants;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.Testing;
using Serverless.Testing.InMemory;

namespace Serverless.OAuth.Tests.Grants;

/// <summary>Withdrawing a consent on in-memory stores: every family issued under it is revoked, then the consent is forgotten; other apps keep theirs.</summary>
public sealed class ConsentWithdrawalTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly OAuthServerOptions _options = new();
    private readonly InMemoryConsentStore _consents;
    private readonly InMemoryRevocationStore _revocations;
    private readonly ConsentWithdrawal _withdrawal;

    public ConsentWithdrawalTests()
    {
        _consents = new InMemoryConsentStore(_options, _clock);
        _revocations = new InMemoryRevocationStore(_clock);
        var apis = new Mock<IApiStore>();
        apis.Setup(a => a.GetCatalogAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new ApiCatalog([]));
        var revocation = new FamilyRevocation(new InMemoryGrantStore(_clock), _revocations, apis.Object, _options, _clock, NullLogger<FamilyRevocation>.Instance);
        _withdrawal = new ConsentWithdrawal(_consents, revocation, NullLogger<ConsentWithdrawal>.Instance);
    }

    [Fact]
    public async Task Withdrawing_RevokesEveryFamilyIssuedUnderIt_AndForgetsIt_OnlyForThatApp()
    {
        await _consents.RecordAsync("alice", "app", "family-1", ScopeSet.Parse("read"), previous: null, default);
        await _consents.RecordAsync("alice", "app", "family-2", ScopeSet.Parse("write"), await _consents.FindAsync("alice", "app", default), default);
        await _consents.RecordAsync("alice", "other", "family-3", ScopeSet.Parse("read"), previous: null, default);
        Assert.Equal("read write", (await _consents.FindAsync("alice", "app", default))!.Scope.ToString());

        await _withdrawal.WithdrawAsync("alice", "app", default);

        Assert.True(await _revocations.IsRevokedAsync("family-1", "jti"));
        Assert.True(await _revocations.IsRevokedAsync("family-2", "jti"));
        Assert.False(await _revocations.IsRevokedAsync("family-3", "jti"));
        Assert.Null(await _consents.FindAsync("alice", "app", default));
        Assert.Empty(await _consents.FamiliesAsync("alice", "app", default));
        Assert.Equal(["other"], (await _consents.ListAsync("alice", default)).Select(c => c.ClientId));
    }

    [Fact]
    public async Task AConsent_IsForgottenAfterItsLifetime()
    {
        await _consents.RecordAsync("alice", "app", "family-1", ScopeSet.Parse("read"), previous: null, default);

        _clock.Advance(_options.ConsentLifetime);

        Assert.Null(await _consents.FindAsync("alice", "app", default));
    }
}
