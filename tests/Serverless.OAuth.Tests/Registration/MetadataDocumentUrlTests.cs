using Serverless.OAuth.Options;
using Serverless.OAuth.Registration;

namespace Serverless.OAuth.Tests.Registration;

/// <summary>Which client_ids are metadata document URLs, and which addresses a document is never fetched from.</summary>
public sealed class MetadataDocumentUrlTests
{
    [Theory]
    [InlineData("https://app.example/client.json")]
    [InlineData("https://app.example:8443/tools/mcp")]
    public void ACanonicalHttpsUrlWithAPath_IsUsable(string clientId) =>
        Assert.Null(ClientMetadataDocuments.UrlProblem(clientId));

    [Theory]
    [InlineData("http://app.example/client.json")]
    [InlineData("https://app.example")]
    [InlineData("https://app.example/")]
    [InlineData("https://app.example/client.json?v=1")]
    [InlineData("https://app.example/client.json#x")]
    [InlineData("https://user@app.example/client.json")]
    [InlineData("https://APP.example/client.json")]
    [InlineData("https://app.example:443/client.json")]
    [InlineData("https://app.example/a/../client.json")]
    [InlineData("https://app.example/./client.json")]
    public void AnythingElse_IsNot(string clientId) =>
        Assert.NotNull(ClientMetadataDocuments.UrlProblem(clientId));

    [Theory]
    [InlineData("https://10.0.0.1/c.json")]
    [InlineData("https://172.16.5.4/c.json")]
    [InlineData("https://192.168.1.1/c.json")]
    [InlineData("https://127.0.0.1/c.json")]
    [InlineData("https://169.254.169.254/c.json")]
    [InlineData("https://100.64.0.1/c.json")]
    [InlineData("https://0.0.0.0/c.json")]
    [InlineData("https://224.0.0.1/c.json")]
    [InlineData("https://255.255.255.255/c.json")]
    [InlineData("https://[::1]/c.json")]
    [InlineData("https://[::]/c.json")]
    [InlineData("https://[fe80::1]/c.json")]
    [InlineData("https://[fd00::1]/c.json")]
    [InlineData("https://[ff02::1]/c.json")]
    [InlineData("https://[::ffff:10.0.0.1]/c.json")]
    [InlineData("https://[64:ff9b::a00:1]/c.json")]
    public async Task APrivateOrReservedAddress_IsRefusedBeforeAnyConnection(string url)
    {
        using var fetcher = new MetadataDocumentFetcher(new OAuthServerOptions());

        var (_, error) = await fetcher.FetchAsync(new Uri(url), CancellationToken.None);

        Assert.Contains("private, loopback, link-local, multicast or reserved address", error!.Description);
    }

    [Fact]
    public async Task AnAllowListedAddress_IsFetchedFrom()
    {
        var options = new OAuthServerOptions();
        options.ClientMetadataDocuments.AllowedAddresses.Add("10.99.0.0/16");
        options.ClientMetadataDocuments.FetchTimeout = TimeSpan.FromMilliseconds(300);
        using var fetcher = new MetadataDocumentFetcher(options);

        var (_, error) = await fetcher.FetchAsync(new Uri("https://10.99.1.2/c.json"), CancellationToken.None);

        // Not refused for its address: the fetch was tried (and, with nothing there, failed or timed out).
        Assert.DoesNotContain("private", error!.Description);
    }
}
