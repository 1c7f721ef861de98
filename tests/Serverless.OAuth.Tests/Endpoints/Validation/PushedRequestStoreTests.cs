using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.OAuth.Tests.Endpoints.Validation;

/// <summary>A pushed request's claim by a browser and its taking by the answer are each their own after a lost answer, against Azurite.</summary>
public sealed class PushedRequestStoreTests
{
    [Fact]
    public async Task ABindAndATake_WhoseAnswersWereLost_AreStillTheirOwn_AndATakenRequestIsUnknown()
    {
        var storage = (await AzuriteServer.Shared).NewStorage();
        var binding = await LostAnswers.OfTheNextWriteAsync(storage, StorageOperation.ConditionalUpdate, StorageOperation.Transaction);
        var store = new PushedRequestStore(binding, new ExpiryIndex(binding), TimeProvider.System);
        await store.AddAsync("key", "app", "client_id=app", DateTimeOffset.UtcNow.AddMinutes(1), CancellationToken.None);
        var row = (await store.FindAsync("key", CancellationToken.None))!;

        Assert.True(await store.BindAsync(row, "browser-hash", TimeSpan.FromMinutes(10), CancellationToken.None));

        var taking = await LostAnswers.OfTheNextWriteAsync(storage, StorageOperation.ConditionalUpdate, StorageOperation.Transaction);
        var sameStore = new PushedRequestStore(taking, new ExpiryIndex(taking), TimeProvider.System);
        var claimed = (await sameStore.FindAsync("key", CancellationToken.None))!;
        Assert.Equal("browser-hash", claimed.BrowserHash);
        Assert.True(await sameStore.TakeAsync(claimed, CancellationToken.None));
        Assert.Null(await sameStore.FindAsync("key", CancellationToken.None));
    }
}
