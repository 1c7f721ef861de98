using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.OAuth.Tests.Identity.Upstream;

/// <summary>
/// A pending sign-in is taken once, against Azurite: of answers arriving together with its state, one goes on, and a
/// take whose answer was lost is still that answer's.
/// </summary>
public sealed class PendingSignInStoreTests
{
    [Fact]
    public async Task AnswersWithTheSameState_AtOnce_TakeThePendingSignInOnce()
    {
        var tables = new OAuthTables((await AzuriteServer.Shared).NewStorage());
        var store = new PendingSignInStore(tables, new ExpiryIndex(tables, 4), new OAuthServerOptions(), new ManualClock());

        // Several rounds: a race lost by chance in one would hide the rule.
        for (var round = 0; round < 5; round++)
        {
            var attempt = UpstreamAttempt.New();
            await store.AddAsync(attempt, "example", "binding", [("client_id", "app")], CancellationToken.None);

            var taken = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.TakeAsync(attempt.State, CancellationToken.None)));

            Assert.Single(taken, row => row is not null);
            Assert.Null(await store.TakeAsync(attempt.State, CancellationToken.None));
        }
    }

    [Fact]
    public async Task ATakeWhoseAnswerWasLost_IsStillItsOwn_AndTheNextTakeFindsNothing()
    {
        var tables = await LostAnswers.OfTheNextWriteAsync((await AzuriteServer.Shared).NewStorage(), StorageOperation.ConditionalUpdate, StorageOperation.Transaction);
        var store = new PendingSignInStore(tables, new ExpiryIndex(tables, 4), new OAuthServerOptions(), new ManualClock());
        var attempt = UpstreamAttempt.New();
        await store.AddAsync(attempt, "example", "binding", [("client_id", "app")], CancellationToken.None);

        var taken = await store.TakeAsync(attempt.State, CancellationToken.None);

        Assert.Equal("example", taken?.Provider);
        Assert.Null(await store.TakeAsync(attempt.State, CancellationToken.None));
    }
}
