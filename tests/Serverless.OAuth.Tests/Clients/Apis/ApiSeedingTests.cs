using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Tests.Clients.Apis;

/// <summary>The seeding runs beside the host's start, never before it: the start does not wait for storage.</summary>
public sealed class ApiSeedingTests
{
    [Fact]
    public async Task Start_does_not_wait_for_the_registry_and_stop_ends_the_seeding()
    {
        var answer = new TaskCompletionSource<ApiCatalog>(TaskCreationOptions.RunContinuationsAsynchronously);
        CancellationToken seen = default;
        var store = new Mock<IApiStore>();
        store.Setup(s => s.GetCatalogAsync(It.IsAny<CancellationToken>()))
            .Returns<CancellationToken>(token =>
            {
                seen = token;
                token.Register(() => answer.TrySetCanceled(token));
                return answer.Task;
            });
        var seeding = new ApiSeeding(store.Object, [ApiSeed.DemoResource(new OAuthServerOptions())], NullLogger<ApiSeeding>.Instance);

        var start = seeding.StartAsync(CancellationToken.None);

        Assert.True(start.IsCompletedSuccessfully, "the host's start waited for the registry");
        await seeding.StopAsync(CancellationToken.None);
        Assert.True(seen.IsCancellationRequested);
        store.Verify(s => s.GetCatalogAsync(It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Unreachable_storage_is_logged_and_does_not_stop_the_host()
    {
        var store = new Mock<IApiStore>();
        store.Setup(s => s.GetCatalogAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new Azure.RequestFailedException(503, "busy"));
        var seeding = new ApiSeeding(store.Object, [ApiSeed.DemoResource(new OAuthServerOptions())], NullLogger<ApiSeeding>.Instance);

        await seeding.StartAsync(CancellationToken.None);
        await seeding.StopAsync(CancellationToken.None);

        store.Verify(s => s.GetCatalogAsync(It.IsAny<CancellationToken>()), Times.Once);
    }
}
