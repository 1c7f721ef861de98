using Azure.Core;
using Azure.Core.Pipeline;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.Testing.Storage;

/// <summary>
/// Tables whose storage client loses the answer to one write after the table applied it, as a timed-out connection
/// would: the client retries the write, which then meets its own change (an insert's 409, a replace's 412).
/// </summary>
public static class LostAnswers
{
    /// <summary>
    /// Tables (created) that lose the answer to the next write of one of these kinds (an upsert, as the index entries
    /// are written, keeps its answer).
    /// </summary>
    public static async Task<OAuthTables> OfTheNextWriteAsync(StorageOptions storage, params StorageOperation[] kinds)
    {
        var options = OAuthTables.DefaultClientOptions();
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var losing = new LoseTheNextAnswer(kinds);
        options.AddPolicy(losing, HttpPipelinePosition.PerRetry);
        var tables = new OAuthTables(storage, clientOptions: options);
        await tables.GetAsync(OAuthTables.Clients);
        losing.Arm();
        return tables;
    }

    private sealed class LoseTheNextAnswer(StorageOperation[] kinds) : HttpPipelinePolicy
    {
        private int _lost = 1;

        /// <summary>After the tables are created (their creation is a POST too).</summary>
        public void Arm() => _lost = 0;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => throw new NotSupportedException();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            var request = message.Request;
            var ifMatch = request.Headers.TryGetValue("If-Match", out var version) ? version : null;
            if (StorageOperations.Of(request.Method.Method, request.Uri.Path, ifMatch) is { } kind && kinds.Contains(kind) && Interlocked.Exchange(ref _lost, 1) == 0)
            {
                throw new IOException("The answer to the write was lost.");
            }
        }
    }
}
