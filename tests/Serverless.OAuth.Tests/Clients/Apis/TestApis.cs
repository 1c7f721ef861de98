using Moq;
using Serverless.OAuth.Clients.Apis;

namespace Serverless.OAuth.Tests.Clients.Apis;

/// <summary>APIs for unit tests, and an <see cref="IApiStore"/> that answers them without storage.</summary>
internal static class TestApis
{
    public static readonly ApiResource Demo = new()
    {
        Identifier = "https://api.example.com/resource",
        Name = "the demo resource",
        Scopes = [new ApiScope("read", "Read your data"), new ApiScope("write", "Change your data")],
    };

    public static ApiCatalog Catalog(params ApiResource[] apis) => new(apis.Length > 0 ? apis : [Demo]);

    public static IApiStore Store(params ApiResource[] apis)
    {
        var store = new Mock<IApiStore>();
        store.Setup(s => s.GetCatalogAsync(It.IsAny<CancellationToken>())).ReturnsAsync(Catalog(apis));
        return store.Object;
    }
}
