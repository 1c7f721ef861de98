using Azure.Core;
using Azure.Core.Pipeline;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Infrastructure.Storage;

/// <summary>
/// Translates Table Storage's failures, as <c>KeyVaultKeysClient</c> does Key Vault's: once the pipeline's retries are
/// spent (the policy sits at <see cref="HttpPipelinePosition.PerCall"/>, around the retry policy), no answer at all
/// (DNS, refused connection, network timeout), a credential that could not produce a token, or an answer of 408, 429
/// or 5xx becomes a <see cref="DependencyUnavailableException"/>. Every other answer (200s, 404, 409, 412 the stores
/// expect; 400 or 403 from a misconfiguration) goes on to the SDK unchanged.
/// </summary>
public sealed class TableStorageFailurePolicy : HttpPipelinePolicy
{
    public const string Dependency = "Table Storage";

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    private static async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        try
        {
            if (async)
            {
                await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            }
            else
            {
                ProcessNext(message, pipeline);
            }
        }
        catch (Exception e) when (e is not DependencyUnavailableException && !message.CancellationToken.IsCancellationRequested)
        {
            // After the retries: a RequestFailedException with status 0, the retry policy's AggregateException of them,
            // an AuthenticationFailedException, or a timeout's OperationCanceledException.
            throw new DependencyUnavailableException(Dependency, e);
        }

        if (message.Response.Status is 408 or 429 or >= 500)
        {
            throw new DependencyUnavailableException(Dependency, new Azure.RequestFailedException(message.Response));
        }
    }
}
