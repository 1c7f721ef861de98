using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;

namespace Serverless.OAuth.Tests.Clients.Apis;

public sealed class ApiRegistrationTests
{
    private static readonly OAuthServerOptions Options = new();

    private static ApiResource Api(string identifier = "https://api.example.com", params string[] scopes) => new()
    {
        Identifier = identifier,
        Name = "API",
        Scopes = [.. (scopes.Length > 0 ? scopes : ["api.read"]).Select(s => new ApiScope(s, s))],
    };

    [Fact]
    public void AValidApi_HasNoProblems() => Assert.Empty(ApiRegistration.Problems(Api(), [], Options));

    [Theory]
    [InlineData("relative")]
    [InlineData("https://api.example.com#x")]
    [InlineData("https://api.example.com/a b")]
    public void AnIdentifierThatCannotBeAResourceIndicator_IsRefused(string identifier) =>
        Assert.Contains(ApiRegistration.Problems(Api(identifier), [], Options), p => p.StartsWith("--identifier", StringComparison.Ordinal));

    [Fact]
    public void AScopeOfAnotherApi_OrOfTheServer_IsRefused()
    {
        var problems = ApiRegistration.Problems(Api("https://b.example.com", "api.read", "offline_access"), [Api()], Options);

        Assert.Contains(problems, p => p.Contains("belongs to https://api.example.com", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("server's own", StringComparison.Ordinal));
    }

    [Fact]
    public void UpdatingAnApi_KeepsItsOwnScopes() =>
        Assert.Empty(ApiRegistration.Problems(Api(), [Api()], Options));

    [Fact]
    public void ATokenLifetimeOutOfRange_IsRefused() =>
        Assert.NotEmpty(ApiRegistration.Problems(Api() with { AccessTokenLifetime = TimeSpan.FromDays(2) }, [], Options));

    [Theory]
    [InlineData("https://api.example.com/")]
    [InlineData("HTTPS://API.EXAMPLE.COM")]
    [InlineData("https://api.example.com:443")]
    public void AnIdentifierEquivalentToAnotherApis_IsRefused(string identifier) =>
        Assert.Contains(ApiRegistration.Problems(Api(identifier, "b.read"), [Api()], Options), p => p.Contains("same resource as https://api.example.com", StringComparison.Ordinal));

    [Fact]
    public void AnIdentifierThatOnlyLooksAlike_IsNotRefused() =>
        Assert.Empty(ApiRegistration.Problems(Api("https://api.example.com/v2", "b.read"), [Api()], Options));
}
