using System.Net;
using Microsoft.Extensions.Configuration;
using Serverless.Admin;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;

namespace Serverless.IntegrationTests;

/// <summary>
/// The admin commands for machines without secrets: a client added with its keys gets no secret and authenticates with
/// an assertion; "clients credentials" sets keys, trusts and stops trusting an issuer; "api add --exchange-client"
/// records the token exchange policy. Bad input is exit 2 with a message.
/// </summary>
public sealed class ClientCredentialCommandsTests : LocalServerTest
{
    private Dictionary<string, string?> _settings = null!;

    protected override Task<LocalServer> StartServerAsync() => LocalServer.StartAsync(clock: ManualClock.Running());

    protected override Task SetUpAsync()
    {
        var options = Server.Get<Serverless.OAuth.Infrastructure.Options.OAuthServerOptions>();
        _settings = new()
        {
            ["OAuth:Issuer"] = Server.Issuer,
            ["OAuth:Storage:ConnectionString"] = options.Storage.ConnectionString,
            ["OAuth:Storage:TablePrefix"] = options.Storage.TablePrefix,
            ["OAuth:Signing:LocalKeyPath"] = Server.KeyPath,
        };
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ClientsAdd_WithKeys_MakesNoSecret_AndTheClientAuthenticatesWithAnAssertion()
    {
        using var key = new ClientKey();
        var file = Path.Combine(Path.GetTempPath(), "jwks-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(file, key.Jwks);
        try
        {
            var (exit, output, error) = await RunAsync("clients", "add", "--id", "svc-keys", "--name", "Keyed", "--confidential", "--grant", "client_credentials", "--scope", "read", "--jwks", file);

            Assert.True(exit == 0, error);
            Assert.DoesNotContain("client_secret:", output);
            Assert.Contains("No secret", output);
            Assert.Null((await Server.Get<IClientStore>().FindAsync("svc-keys"))!.SecretHash);
            var flow = new OAuthFlow(Server);
            await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(
                key.Assertion("svc-keys", Server.Issuer), ("grant_type", "client_credentials"))));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ClientsCredentials_SetKeys_Trust_Show_AndUntrust()
    {
        Assert.Equal(0, (await RunAsync("clients", "add", "--id", "svc-fed", "--name", "Federated", "--confidential", "--grant", "client_credentials",
            "--federated-issuer", "https://token.actions.githubusercontent.com", "--federated-subject", "repo:org/app:ref:refs/heads/main")).Exit);
        Assert.Equal(0, (await RunAsync("clients", "credentials", "trust", "--id", "svc-fed", "--issuer", "https://login.microsoftonline.com/tenant/v2.0",
            "--subject", "00000000-0000-0000-0000-000000000001", "--audience", "api://AzureADTokenExchange")).Exit);
        Assert.Equal(0, (await RunAsync("clients", "credentials", "set-keys", "--id", "svc-fed", "--jwks-uri", "https://svc.example.com/jwks.json")).Exit);
        await Server.PassTimeAsync(TimeSpan.FromMinutes(2));

        var stored = (await Server.Get<IClientStore>().FindAsync("svc-fed"))!;
        Assert.Null(stored.SecretHash);
        Assert.Equal("https://svc.example.com/jwks.json", stored.JwksUri);
        Assert.Equal(
            [new FederatedCredential("https://token.actions.githubusercontent.com", "repo:org/app:ref:refs/heads/main"),
                new FederatedCredential("https://login.microsoftonline.com/tenant/v2.0", "00000000-0000-0000-0000-000000000001", "api://AzureADTokenExchange")],
            stored.FederatedCredentials);
        var (_, shown, _) = await RunAsync("clients", "credentials", "show", "--id", "svc-fed");
        Assert.Contains("secret: none", shown);
        Assert.Contains("federated https://token.actions.githubusercontent.com sub repo:org/app:ref:refs/heads/main", shown);

        Assert.Equal(0, (await RunAsync("clients", "credentials", "untrust", "--id", "svc-fed", "--issuer", "https://token.actions.githubusercontent.com")).Exit);
        Assert.Equal(0, (await RunAsync("clients", "credentials", "set-keys", "--id", "svc-fed", "--clear")).Exit);
        await Server.PassTimeAsync(TimeSpan.FromMinutes(2));
        stored = (await Server.Get<IClientStore>().FindAsync("svc-fed"))!;
        Assert.Null(stored.JwksUri);
        Assert.Equal("https://login.microsoftonline.com/tenant/v2.0", Assert.Single(stored.FederatedCredentials).Issuer);
    }

    [Fact]
    public async Task BadKeysAndIssuers_AreRefused_WithExit2()
    {
        using var key = new ClientKey();
        var privateJwks = System.Text.Json.JsonSerializer.Serialize(new { keys = new[] { key.PrivateJwk } });
        Assert.Equal(2, (await RunAsync("clients", "add", "--id", "svc-bad", "--name", "Bad", "--confidential", "--grant", "client_credentials", "--jwks", privateJwks)).Exit);
        Assert.Equal(2, (await RunAsync("clients", "add", "--id", "svc-bad", "--name", "Bad", "--confidential", "--grant", "client_credentials",
            "--jwks", """{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}""")).Exit);
        Assert.Equal(2, (await RunAsync("clients", "add", "--id", "svc-bad", "--name", "Bad", "--confidential", "--grant", "client_credentials", "--jwks-uri", "http://svc.example.com/jwks")).Exit);
        Assert.Equal(2, (await RunAsync("clients", "add", "--id", "svc-bad", "--name", "Bad", "--confidential", "--grant", "client_credentials",
            "--federated-issuer", "http://issuer.example.com", "--federated-subject", "x")).Exit);
        Assert.Null(await Server.Get<IClientStore>().FindAsync("svc-bad"));
        Assert.Equal(2, (await RunAsync("clients", "credentials", "set-keys", "--id", "nobody")).Exit);
        Assert.Equal(1, (await RunAsync("clients", "credentials", "trust", "--id", "nobody", "--issuer", "https://issuer.example.com", "--subject", "x")).Exit);
    }

    [Fact]
    public async Task ApiAdd_ExchangeClient_IsStoredAndListed()
    {
        var (exit, _, error) = await RunAsync("api", "add", "--identifier", "https://files.example.com/", "--name", "Files", "--scope", "files.read=Read your files",
            "--exchange-client", "mcp-server");

        Assert.True(exit == 0, error);
        await Server.PassTimeAsync(TimeSpan.FromMinutes(2));
        var api = (await Server.Get<IApiStore>().GetCatalogAsync()).Find("https://files.example.com/");
        Assert.Equal(["mcp-server"], api!.ExchangeClients);
        var (_, list, _) = await RunAsync("api", "list");
        Assert.Contains("token exchange by: mcp-server", list);
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await AdminCommandLine.RunAsync(args, output, error, new StringReader(""), builder => builder.Configuration.AddInMemoryCollection(_settings));
        return (exit, output.ToString(), error.ToString());
    }
}
