using System.Net;
using Azure;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.OAuth.Tests.Infrastructure.Storage;

/// <summary>Table Storage's failures as the server's options translate them, against a transport that answers as told.</summary>
public sealed class TableStorageFailurePolicyTests
{
    private sealed class AnsweringHandler(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(answer());
        }
    }

    private static (TableClient Table, AnsweringHandler Handler) Table(Func<HttpResponseMessage> answer)
    {
        var handler = new AnsweringHandler(answer);
        var options = OAuthTables.DefaultClientOptions();
        options.Retry.MaxRetries = 1;
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        options.Transport = new HttpClientTransport(new HttpClient(handler));
        var service = new TableServiceClient("UseDevelopmentStorage=true", options);
        return (service.GetTableClient("grants"), handler);
    }

    private static HttpResponseMessage Status(HttpStatusCode status) => new(status) { Content = new StringContent("") };

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    public async Task ATransientAnswer_AfterTheRetries_IsDependencyUnavailable(HttpStatusCode status)
    {
        var (table, handler) = Table(() => Status(status));

        var thrown = await Assert.ThrowsAsync<DependencyUnavailableException>(() => table.GetEntityAsync<TableEntity>("p", "r"));

        Assert.Equal(TableStorageFailurePolicy.Dependency, thrown.Dependency);
        Assert.Equal(2, handler.Requests); // the retry ran first
        Assert.True(DependencyUnavailableException.IsTransient(thrown, default));
    }

    [Fact]
    public async Task NoAnswerAtAll_IsDependencyUnavailable()
    {
        var (table, _) = Table(() => throw new HttpRequestException("connection refused"));

        var thrown = await Assert.ThrowsAsync<DependencyUnavailableException>(() => table.GetEntityAsync<TableEntity>("p", "r"));

        Assert.True(DependencyUnavailableException.IsTransient(thrown, default));
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task ARefusal_StaysTheSdksOwnFailure_NotATransientOne(HttpStatusCode status)
    {
        var (table, _) = Table(() => Status(status));

        var thrown = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityAsync<TableEntity>("p", "r"));

        Assert.Equal((int)status, thrown.Status);
        Assert.False(DependencyUnavailableException.IsTransient(thrown, default));
    }

    [Fact]
    public async Task TheCallersCancellation_StaysACancellation()
    {
        var (table, _) = Table(() => Status(HttpStatusCode.OK));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => table.GetEntityAsync<TableEntity>("p", "r", cancellationToken: cancelled.Token));
    }

    [Fact]
    public void IsTransient_LooksIntoConcurrentCalls_AndLeavesRefusalsAndTheRequestsOwnCancellationOut()
    {
        var unavailable = new DependencyUnavailableException("Table Storage");
        using var aborted = new CancellationTokenSource();
        aborted.Cancel();

        Assert.True(DependencyUnavailableException.IsTransient(new AggregateException(new InvalidOperationException(), unavailable), default));
        Assert.False(DependencyUnavailableException.IsTransient(new AggregateException(new InvalidOperationException()), default));
        Assert.False(DependencyUnavailableException.IsTransient(new RequestFailedException(403, "forbidden"), default));
        Assert.True(DependencyUnavailableException.IsTransient(new TimeoutException(), default));
        Assert.False(DependencyUnavailableException.IsTransient(new OperationCanceledException(), aborted.Token));
    }
}
