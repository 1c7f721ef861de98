using Serverless.OAuth.Identity.Upstream;
using Serverless.OAuth.Infrastructure.Storage;
using Serverless.Testing;
using Serverless.Testing.Storage;

namespace Serverless.OAuth.Tests.Identity.Upstream;

/// <summary>
/// An identity's first link is this sign-in's even when the storage lost the answer to its insert: taken for another
/// browser's link, the sign-in would remove the account it had just made and keep a link to it. Against Azurite.
/// </summary>
public sealed class UpstreamLinkStoreTests
{
    [Fact]
    public async Task ALinkAdded_WhileTheStorageLostTheAnswer_IsThisSignInsLink_AndASecondLinkOfTheIdentityIsNot()
    {
        var tables = await LostAnswers.OfTheNextWriteAsync((await AzuriteServer.Shared).NewStorage(), StorageOperation.Insert);
        var links = new UpstreamLinkStore(tables, new ExpiryIndex(tables), TimeProvider.System);

        Assert.True(await links.AddAsync("entra", "tid/oid", "subject-1", "entra.one", CancellationToken.None));
        Assert.False(await links.AddAsync("entra", "tid/oid", "subject-2", "entra.two", CancellationToken.None));
        Assert.Equal("subject-1", (await links.FindAsync("entra", "tid/oid", CancellationToken.None))?.Subject);
    }
}
