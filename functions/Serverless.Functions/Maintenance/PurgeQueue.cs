using System.Text.Json;
using Azure.Core;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.Functions.Maintenance;

/// <summary>
/// The queue the purge timer spreads its work over: one message per due bucket (<see cref="DueBucket"/>), purged by
/// the queue trigger on whichever instances the platform scales it to. It lives in the host's own storage account,
/// through the connection the queue trigger reads by default (AzureWebJobsStorage: a connection string, or
/// <c>__queueServiceUri</c> or <c>__accountName</c> with a managed identity), under the name in the PurgeQueueName
/// setting. Messages are base64, the encoding the queue trigger expects unless host.json says otherwise.
/// </summary>
public sealed class PurgeQueue
{
    /// <summary>The setting that names the queue, for the trigger's "%PurgeQueueName%" and for this client.</summary>
    public const string QueueNameSetting = "PurgeQueueName";

    /// <summary>The queue trigger's connection when its attribute names none.</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    /// <summary>
    /// A message not taken within this long is dropped: by then the timer has run again, and the bucket, if still
    /// due, is queued again.
    /// </summary>
    private static readonly TimeSpan MessageLifetime = TimeSpan.FromHours(1);

    private readonly Lazy<Task<QueueClient>> _queue;

    public PurgeQueue(IConfiguration configuration, Func<TokenCredential> credential)
    {
        var client = Create(configuration, credential);
        _queue = new Lazy<Task<QueueClient>>(async () =>
        {
            // The Bicep creates it; 'func start' against Azurite and a first run elsewhere find it missing.
            await client.CreateIfNotExistsAsync();
            return client;
        });
    }

    /// <summary>Messages in the queue, the ones being worked included: buckets of an earlier run not yet purged.</summary>
    public async Task<int> WaitingAsync(CancellationToken cancellationToken)
    {
        var queue = await _queue.Value;
        return (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
    }

    public async Task SendAsync(DueBucket bucket, CancellationToken cancellationToken)
    {
        var queue = await _queue.Value;
        await queue.SendMessageAsync(JsonSerializer.Serialize(bucket), timeToLive: MessageLifetime, cancellationToken: cancellationToken);
    }

    /// <summary>The bucket a message names; null for anything else (nothing this app wrote).</summary>
    public static DueBucket? Read(string message)
    {
        try
        {
            return JsonSerializer.Deserialize<DueBucket>(message) is { Bucket: { Length: > 0 } } bucket ? bucket : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static QueueClient Create(IConfiguration configuration, Func<TokenCredential> credential)
    {
        var name = configuration[QueueNameSetting] is { Length: > 0 } configured
            ? configured
            : throw new InvalidOperationException($"The {QueueNameSetting} setting names the expiry purge's queue (the Bicep sets it; local.settings.sample.json has one).");
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var connection = configuration.GetSection(ConnectionSetting);
        if (connection.Value is { Length: > 0 } connectionString)
        {
            return new QueueClient(connectionString, name, options);
        }

        var serviceUri = connection["queueServiceUri"] is { Length: > 0 } uri
            ? new Uri(uri)
            : connection["accountName"] is { Length: > 0 } account
                ? new Uri($"https://{account}.queue.core.windows.net")
                : throw new InvalidOperationException($"{ConnectionSetting} names no queue service: set a connection string, {ConnectionSetting}__queueServiceUri or {ConnectionSetting}__accountName.");
        return new QueueServiceClient(serviceUri, credential(), options).GetQueueClient(name);
    }
}
