using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Tests.Clients.Registration;

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
        // A listener on an allow-listed loopback network: the fetch must actually connect to it (it then fails: the
        // listener hangs up without speaking TLS), where an address not allow-listed is refused before any connection.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var options = new OAuthServerOptions();
        options.ClientMetadataDocuments.AllowedAddresses.Add("127.0.0.0/8");
        options.ClientMetadataDocuments.FetchTimeout = TimeSpan.FromSeconds(2);
        using var fetcher = new MetadataDocumentFetcher(options);
        var accepted = Task.Run(async () =>
        {
            using var connection = await listener.AcceptTcpClientAsync();
        });

        var (_, error) = await fetcher.FetchAsync(new Uri($"https://127.0.0.1:{port}/c.json"), CancellationToken.None);

        await accepted.WaitAsync(TimeSpan.FromSeconds(2)); // the fetcher connected to the allow-listed address
        Assert.EndsWith("it could not be fetched. Try again later.", error!.Description, StringComparison.Ordinal);
    }
}
