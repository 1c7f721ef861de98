using System.Diagnostics.Metrics;
using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Tests.Infrastructure.Telemetry;

[Collection(nameof(DependencyTelemetryPolicyTests))]
public sealed class DependencyTelemetryPolicyTests
{
    [Theory]
    [InlineData("/devstoreaccount1/oauthgrants(PartitionKey='f1',RowKey='c')", "grants")]
    [InlineData("/oauthgrants()", "grants")]
    [InlineData("/devstoreaccount1/oauthexpiry", "expiry")]
    [InlineData("/devstoreaccount1/$batch", "$batch")]
    [InlineData("/devstoreaccount1/Tables", "Tables")]
    [InlineData("/oauth", "oauth")]
    public void TheTableTag_IsTheServersNameForTheTable_NeverTheKeys(string path, string expected) =>
        Assert.Equal(expected, DependencyTelemetryPolicy.ForTableStorage("oauth").TableName(path));

    [Theory]
    [InlineData("/keys/oauth-signing/0123abcd/sign", "sign")]
    [InlineData("/keys/oauth-wrapping/0123abcd/unwrapkey", "unwrapkey")]
    [InlineData("/keys/oauth-signing/versions", "versions")]
    [InlineData("/keys/oauth-signing/create", "create")]
    [InlineData("/keys/oauth-signing/", "get")]
    [InlineData("/keys/oauth-signing/0123abcd", "get")]
    public void TheKeyVaultTag_IsTheOperation(string path, string expected) =>
        Assert.Equal(expected, DependencyTelemetryPolicy.KeyVaultOperation(path));

    [Fact]
    public async Task EachRequest_IsTimedWithItsStatus_EvenWhenNoResponseCame()
    {
        var measurements = new List<(double Seconds, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ServerTelemetry.Name && instrument.Name == "oauth.storage.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
            measurements.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
        var transport = new ScriptedTransport(HttpStatusCode.ServiceUnavailable, null);
        var pipeline = HttpPipelineBuilder.Build(new TestOptions(transport), [], [DependencyTelemetryPolicy.ForTableStorage("oauth")], new ResponseClassifier());

        using var busy = pipeline.CreateMessage();
        busy.Request.Uri.Reset(new Uri("http://127.0.0.1:10002/devstoreaccount1/oauthgrants(PartitionKey='p',RowKey='r')"));
        await pipeline.SendAsync(busy, CancellationToken.None);
        using var refused = pipeline.CreateMessage();
        refused.Request.Uri.Reset(new Uri("http://127.0.0.1:10002/devstoreaccount1/oauthclients()"));
        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => pipeline.SendAsync(refused, CancellationToken.None).AsTask());

        Assert.Equal(2, measurements.Count);
        Assert.Equal(("grants", "GET", 503), ((string?)measurements[0].Tags["table"], (string?)measurements[0].Tags["method"], (int?)measurements[0].Tags["status"]));
        Assert.Equal(("clients", 0), ((string?)measurements[1].Tags["table"], (int?)measurements[1].Tags["status"]));
        Assert.All(measurements, m => Assert.True(m.Seconds >= 0));
    }

    private sealed class TestOptions : ClientOptions
    {
        public TestOptions(HttpPipelineTransport transport)
        {
            Transport = transport;
            Retry.MaxRetries = 0;
        }
    }

    /// <summary>Answers the first request with a status, and refuses the second as a dead server would.</summary>
    private sealed class ScriptedTransport(HttpStatusCode status, string? body) : HttpPipelineTransport
    {
        private readonly HttpClientTransport _inner = new(new HttpClient(new Handler(status, body)));

        public override Request CreateRequest() => _inner.CreateRequest();

        public override void Process(HttpMessage message) => _inner.Process(message);

        public override ValueTask ProcessAsync(HttpMessage message) => _inner.ProcessAsync(message);

        private sealed class Handler(HttpStatusCode status, string? body) : HttpMessageHandler
        {
            private int _calls;

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                Interlocked.Increment(ref _calls) == 1
                    ? Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body ?? "") })
                    : throw new HttpRequestException("Connection refused");
        }
    }
}

/// <summary>The meter is process-wide: no other test may time a storage call while this class counts them.</summary>
[CollectionDefinition(nameof(DependencyTelemetryPolicyTests), DisableParallelization = true)]
public sealed class DependencyTelemetryPolicyCollection
{
}
