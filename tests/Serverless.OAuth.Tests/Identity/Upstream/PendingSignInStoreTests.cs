using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Identity.Upstream;

/// <summary>A pending sign-in is taken once, against Azurite: of answers arriving together with its state, one goes on.</summary>
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
}
