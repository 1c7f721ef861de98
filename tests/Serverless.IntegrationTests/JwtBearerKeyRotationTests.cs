using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using ProtectedApi;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Signing;

namespace Serverless.IntegrationTests;

/// <summary>
/// The stock JwtBearer handler (the ProtectedApi sample) across a real signing-key rotation: it caches the issuer's
/// metadata and JWKS (for 12 hours by default), so a token signed by the new key carries a kid it has never seen, and
/// that unknown kid makes it fetch the metadata and keys again (RefreshOnIssuerKeyNotFound, on by default) over HTTP,
/// and accept the token.
/// </summary>
public sealed class JwtBearerKeyRotationTests : LocalServerTest
{
    private const string Orders = "https://orders.example.com/api";

    private readonly ConcurrentQueue<string> _fetched = new();
    private (string, string) _credentials;

    protected override Task<LocalServer> StartServerAsync()
    {
        // The server's clock starts one key refresh interval (and a minute) in the past, so that once the test has moved
        // it past the new key's activation it is the real time again: JwtBearer checks lifetimes on the real clock.
        var refresh = new SigningOptions().KeyRefreshInterval + TimeSpan.FromMinutes(1);
        return LocalServer.StartAsync(
            new() { ["OAuth:AccessTokenLifetime"] = "01:00:00" },
            clock: new ManualClock(DateTimeOffset.UtcNow - refresh));
    }

    protected override async Task SetUpAsync()
    {
        Assert.True(await Server.Get<IApiStore>().AddAsync(new ApiResource { Identifier = Orders, Name = "Orders", Scopes = [new("orders.read", "Read your orders")] }));
        var (client, secret) = await Server.AddConfidentialClientAsync(grants: [Serverless.OAuth.Protocol.GrantTypes.ClientCredentials], scopes: ["orders.read"]);
        _credentials = (client.ClientId, secret);
    }

    private async Task<string> TokenAsync() =>
        (await TokenSupport.ReadTokenResponseAsync(await Flow.PostTokenAsync([("grant_type", "client_credentials"), ("resource", Orders)], _credentials))).AccessToken;

    [Fact]
    public async Task ATokenSignedByTheNewKey_IsAccepted_AfterTheUnknownKidRefreshesTheKeys()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        await using var api = ProtectedApiApp.Build(["--urls", url], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Api:Authority"] = Server.Issuer,
                ["Api:Audience"] = Orders,
                ["Api:Scope"] = "orders.read",
            });
            // The handler's own back channel, counted: what it fetched from the server, and when.
            builder.Services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.BackchannelHttpHandler = new Counting(_fetched));
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await api.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(url + "/") };
        async Task<HttpStatusCode> GetOrdersAsync(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "orders");
            request.Headers.Authorization = new("Bearer", token);
            return (await http.SendAsync(request)).StatusCode;
        }

        var before = await TokenAsync();
        Assert.Equal(HttpStatusCode.OK, await GetOrdersAsync(before));
        Assert.Equal(1, _fetched.Count(p => p == "/.well-known/jwks.json"));

        // A real rotation (what `keys rotate` does): the new key is published at once and signs one refresh interval later.
        var rotated = await Server.Get<SigningKeyRing>().RotateAsync(CancellationToken.None);
        await Server.PassTimeAsync(new SigningOptions().KeyRefreshInterval + TimeSpan.FromMinutes(1));
        var after = await TokenAsync();
        var kid = new JsonWebToken(after).Kid;
        Assert.NotEqual(new JsonWebToken(before).Kid, kid);
        Assert.Contains(kid, rotated.Select(k => k.KeyId));

        // Microsoft.IdentityModel 8 refreshes in the background when the handler asks (RequestRefresh): the request
        // that brought the unknown kid may still be refused, the ones after the refresh are not. Without the refresh
        // the handler would keep its keys for AutomaticRefreshInterval (12 hours) and refuse every new token.
        var status = await GetOrdersAsync(after);
        for (var attempt = 0; status != HttpStatusCode.OK && attempt < 50; attempt++)
        {
            await Task.Delay(100); // the handler's own background fetch over HTTP, not a clock
            status = await GetOrdersAsync(after);
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, _fetched.Count(p => p == "/.well-known/jwks.json"));
        // The old key's tokens still pass: it stays published beside the new one.
        Assert.Equal(HttpStatusCode.OK, await GetOrdersAsync(before));
    }

    private sealed class Counting(ConcurrentQueue<string> fetched) : DelegatingHandler(new HttpClientHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            fetched.Enqueue(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
