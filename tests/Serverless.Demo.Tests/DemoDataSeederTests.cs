using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Identity.Users;

namespace Serverless.Demo.Tests;

public sealed class DemoDataSeederTests
{
    [Fact]
    public void TheDemosRegistration_IncludesTheSeeder_SoBothHostsSeed()
    {
        var services = new ServiceCollection().AddServerlessDemo();

        Assert.Contains(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(Serverless.OAuth.Http.DeferredHostedService<DemoDataSeeder>));
        Assert.Contains(services, d => d.ServiceType == typeof(DemoDataSeeder));
    }

    [Theory]
    [InlineData("Production", true)]
    [InlineData("Development", false)]
    public async Task OutsideDevelopment_OrWhenNotAsked_NothingIsSeeded(string environmentName, bool seed)
    {
        var clients = new Mock<IClientStore>(MockBehavior.Strict);
        var users = new Mock<IUserStore>(MockBehavior.Strict);
        var environment = new Mock<IHostEnvironment>();
        environment.SetupGet(e => e.EnvironmentName).Returns(environmentName);
        var seeder = new DemoDataSeeder(clients.Object, users.Object, new OAuthServerOptions { SeedDemoData = seed }, environment.Object, NullLogger<DemoDataSeeder>.Instance);

        await seeder.StartAsync(CancellationToken.None);

        clients.VerifyNoOtherCalls();
        users.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task InDevelopment_TheDemoClientIsAPublicPkceClientRedirectingUnderTheIssuer()
    {
        var clients = new Mock<IClientStore>();
        var users = new Mock<IUserStore>();
        OAuthClient? added = null;
        clients.Setup(c => c.AddAsync(It.IsAny<OAuthClient>(), It.IsAny<CancellationToken>())).Callback((OAuthClient c, CancellationToken _) => added = c).ReturnsAsync(true);
        users.Setup(u => u.AddAsync(It.IsAny<OAuthUser>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        var environment = new Mock<IHostEnvironment>();
        environment.SetupGet(e => e.EnvironmentName).Returns("Development");
        var seeder = new DemoDataSeeder(clients.Object, users.Object, new OAuthServerOptions { SeedDemoData = true, Issuer = "http://localhost:7071" }, environment.Object, NullLogger<DemoDataSeeder>.Instance);

        await seeder.StartAsync(CancellationToken.None);

        Assert.Equal(ClientType.Public, added!.Type);
        Assert.Equal(["http://localhost:7071/demo/callback"], added.RedirectUris);
        users.Verify(u => u.AddAsync(It.Is<OAuthUser>(x => x.Username == DemoDataSeeder.Username && x.PasswordHash != DemoDataSeeder.Password), It.IsAny<CancellationToken>()), Times.Once);
    }
}
