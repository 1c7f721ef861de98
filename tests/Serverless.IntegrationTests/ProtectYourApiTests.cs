using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ProtectedApi;
using Serverless.FunctionsHost;
using Serverless.OAuth.Clients.Apis;

namespace Serverless.IntegrationTests;

/// <summary>
/// "Protect your API": the samples, with the real JwtBearer handler, accept a token for their own API and refuse one
/// for another API (401 with the handler's invalid_token challenge): the ASP.NET Core API in this process, the Azure
/// Functions API as its worker behind the host emulator.
/// </summary>
public sealed class ProtectYourApiTests : LocalServerTest
{
    private const string Orders = "https://orders.example.com/api";
    private const string Invoices = "https://invoices.example.com/api";

    private static readonly string FunctionsSampleDirectory = typeof(ProtectYourApiTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ProtectedFunctionsApiDirectory").Value!;

    private (string, string) _credentials;

    protected override async Task SetUpAsync()
    {
        var apis = Server.Get<IApiStore>();
        Assert.True(await apis.AddAsync(new ApiResource { Identifier = Orders, Name = "Orders", Scopes = [new("orders.read", "Read your orders")] }));
        Assert.True(await apis.AddAsync(new ApiResource { Identifier = Invoices, Name = "Invoices", Scopes = [new("invoices.read", "Read your invoices")] }));
        var (client, secret) = await Server.AddConfidentialClientAsync(grants: [Serverless.OAuth.Protocol.GrantTypes.ClientCredentials], scopes: ["orders.read", "invoices.read"]);
        _credentials = (client.ClientId, secret);
    }

    private Dictionary<string, string?> Settings => new()
    {
        ["Api:Authority"] = Server.Issuer,
        ["Api:Audience"] = Orders,
        ["Api:Scope"] = "orders.read",
    };

    private async Task<string> TokenForAsync(string resource) =>
        (await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync([("grant_type", "client_credentials"), ("resource", resource)], _credentials))).AccessToken;

    private async Task AcceptsItsOwnTokens_AndRefusesAnotherApisAsync(Uri api)
    {
        using var http = new HttpClient { BaseAddress = api };
        async Task<HttpResponseMessage> GetOrdersAsync(string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "orders");
            if (token is not null)
            {
                request.Headers.Authorization = new("Bearer", token);
            }

            return await http.SendAsync(request);
        }

        var own = await GetOrdersAsync(await TokenForAsync(Orders));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("orders.read", (await OAuthFlow.JsonAsync(own)).GetProperty("scope").GetString());

        var another = await GetOrdersAsync(await TokenForAsync(Invoices));
        Assert.Equal(HttpStatusCode.Unauthorized, another.StatusCode);
        Assert.StartsWith("Bearer error=\"invalid_token\"", another.Headers.WwwAuthenticate.ToString());
        Assert.Contains("audience", another.Headers.WwwAuthenticate.ToString());

        var none = await GetOrdersAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.StartsWith("Bearer", none.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task TheAspNetCoreSample_AcceptsADpopBoundTokenWithItsProof_AndRefusesItAsBearerOrWithAnotherKey()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var api = ProtectedApiApp.Build(["--urls", url], builder =>
        {
            builder.Configuration.AddInMemoryCollection(Settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await api.StartAsync();
        using var key = new DpopKey();
        using var other = new DpopKey();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials"), new("resource", Orders)]),
        };
        tokenRequest.Headers.Authorization = OAuthFlow.BasicAuthorization(_credentials.Item1, _credentials.Item2);
        tokenRequest.Headers.Add("DPoP", key.Proof("POST", Server.Issuer + "/token", DateTimeOffset.UtcNow));
        var token = (await TokenSupport.ReadTokenResponseAsync(await Flow.Http.SendAsync(tokenRequest), "DPoP")).AccessToken;
        using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
        async Task<HttpResponseMessage> GetOrdersAsync(string scheme, string? proof)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "orders") { Headers = { Authorization = new(scheme, token) } };
            if (proof is not null)
            {
                request.Headers.Add("DPoP", proof);
            }

            return await http.SendAsync(request);
        }

        var proof = key.Proof("GET", url + "/orders", DateTimeOffset.UtcNow, token);
        Assert.Equal(HttpStatusCode.OK, (await GetOrdersAsync("DPoP", proof)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetOrdersAsync("DPoP", proof)).StatusCode); // replayed

        var asBearer = await GetOrdersAsync("Bearer", proof: null);
        Assert.Equal(HttpStatusCode.Unauthorized, asBearer.StatusCode);
        Assert.StartsWith("Bearer error=\"invalid_token\"", asBearer.Headers.WwwAuthenticate.ToString());
        Assert.Contains("DPoP algs=\"ES256", asBearer.Headers.WwwAuthenticate.ToString());

        var anotherKey = await GetOrdersAsync("DPoP", other.Proof("GET", url + "/orders", DateTimeOffset.UtcNow, token));
        Assert.Equal(HttpStatusCode.Unauthorized, anotherKey.StatusCode);
        var noProof = await GetOrdersAsync("DPoP", proof: null);
        Assert.Equal(HttpStatusCode.Unauthorized, noProof.StatusCode);
        var wrongUrl = await GetOrdersAsync("DPoP", key.Proof("GET", url + "/invoices", DateTimeOffset.UtcNow, token));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongUrl.StatusCode);
    }

    [Fact]
    public async Task TheAspNetCoreSample_AcceptsATokenForItsApi_AndRefusesOneForAnotherApi()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var api = ProtectedApiApp.Build(["--urls", url], builder =>
        {
            builder.Configuration.AddInMemoryCollection(Settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await api.StartAsync();

        await AcceptsItsOwnTokens_AndRefusesAnotherApisAsync(new Uri(url + "/"));
    }

    [Fact]
    public async Task TheFunctionsSample_AcceptsATokenForItsApi_AndRefusesOneForAnotherApi()
    {
        await using var host = await FunctionsHostEmulator.StartAsync(new FunctionsHostOptions
        {
            AppDirectory = FunctionsSampleDirectory,
            HttpPort = FreePort.Next(),
            UseLocalSettings = false,
            Settings = Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value),
        });

        await AcceptsItsOwnTokens_AndRefusesAnotherApisAsync(host.BaseAddress);
    }
}
