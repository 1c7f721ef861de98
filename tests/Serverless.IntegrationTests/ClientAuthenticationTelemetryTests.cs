using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.IntegrationTests;

/// <summary>Client authentications are counted by method and result: private_key_jwt beside the secrets.</summary>
public sealed class ClientAuthenticationTelemetryTests : LocalServerTest
{
    private readonly ConcurrentBag<(string Method, string Result)> _counted = [];
    private readonly MeterListener _listener = new();

    public ClientAuthenticationTelemetryTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ServerTelemetry.Name && instrument.Name == "oauth.client_authentications")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? method = null, result = null;
            foreach (var tag in tags)
            {
                (method, result) = tag.Key switch { "method" => ((string?)tag.Value, result), "result" => (method, (string?)tag.Value), _ => (method, result) };
            }

            _counted.Add((method ?? "", result ?? ""));
        });
        _listener.Start();
    }

    protected override Task<LocalServer> StartServerAsync() => LocalServer.StartAsync(clock: ManualClock.Running());

    public override async Task DisposeAsync()
    {
        _listener.Dispose();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task PrivateKeyJwt_IsCounted_AsASuccessAndAsAFailure()
    {
        using var key = new ClientKey();
        var client = await Server.AddAssertionClientAsync(jwks: key.Jwks);
        var flow = new OAuthFlow(Server);
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(
            key.Assertion(client.ClientId, Server.Issuer), ("grant_type", "client_credentials"))));
        await flow.PostTokenAsync(ClientAssertionRegistrations.AssertionForm(key.Assertion(client.ClientId, "https://elsewhere.example.com"), ("grant_type", "client_credentials")));

        Assert.Contains(_counted, c => c == ("private_key_jwt", "success"));
        Assert.Contains(_counted, c => c == ("private_key_jwt", "failure"));
        Assert.DoesNotContain(_counted, c => c.Method.Length == 0 || c.Result.Length == 0);
    }
}
