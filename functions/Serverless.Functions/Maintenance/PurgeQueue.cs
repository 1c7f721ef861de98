using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Serverless.OAuth.Infrastructure.Storage;

namespace Serverless.Functions.Maintenance;

/// <summary>
/// The queue the purge timer spreads its work over: one message per due bucket (<see cref="DueBucket"/>), purged by
/// the queue trigger on whichever instances the platform scales it to. It lives in the host's own storage account,
/// reached through the AzureWebJobsStorage settings the queue trigger reads by default (a connection string, or
/// <c>__queueServiceUri</c> or <c>__accountName</c>), under the name in the PurgeQueueName setting; with an account
/// name or URI it authenticates with the server's own credential (in the Bicep, the same managed identity the
/// trigger's <c>__clientId</c> names). Messages are base64, the encoding the queue trigger expects unless host.json
/// says otherwise.
/// </summary>
public sealed class PurgeQueue
{
    /// <summary>The setting that names the queue, for the trigger's "%PurgeQueueName%" and for this client.</summary>
    public const string QueueNameSetting = "PurgeQueueName";

    /// <summary>The queue trigger's connection when its attribute names none.</summary>
    public const string ConnectionSetting = "AzureWebJobsStorage";

    /// <summary>Where the queue trigger moves a message that failed maxDequeueCount times (QueueProcessor's naming).</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>
    /// A message not taken within this long after it was queued is dropped: by then the timer has run again, and the
    /// bucket, if still due, is queued again.
    /// </summary>
    private static readonly TimeSpan MessageLifetime = TimeSpan.FromHours(1);

    private readonly QueueClient _queue;
    private readonly QueueClient _poison;

    public PurgeQueue(IConfiguration configuration, Func<TokenCredential> credential)
    {
        var service = Create(configuration, credential);
        var name = configuration[QueueNameSetting] is { Length: > 0 } configured
            ? configured
            : throw new InvalidOperationException($"The {QueueNameSetting} setting names the expiry purge's queue (the Bicep sets it; local.settings.sample.json has one).");
        _queue = service.GetQueueClient(name);
        _poison = service.GetQueueClient(name + PoisonSuffix);
    }

    /// <summary>
    /// Messages in the queue, the ones being worked included (buckets of an earlier run not yet purged), and in its
    /// poison queue (buckets whose purge failed every try). Creates the queue when it is missing: the Bicep creates it,
    /// but 'func start' against Azurite and a first run elsewhere find none. The poison queue is the trigger's to make.
    /// </summary>
    public async Task<(int Waiting, int Poisoned)> CountAsync(CancellationToken cancellationToken) =>
        (await CountAsync(_queue, createIfMissing: true, cancellationToken), await CountAsync(_poison, createIfMissing: false, cancellationToken));

    public async Task SendAsync(DueBucket bucket, CancellationToken cancellationToken) =>
        await _queue.SendMessageAsync(JsonSerializer.Serialize(bucket), timeToLive: MessageLifetime, cancellationToken: cancellationToken);

    private static async Task<int> CountAsync(QueueClient queue, bool createIfMissing, CancellationToken cancellationToken)
    {
        try
        {
            return (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            if (createIfMissing)
            {
                await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }

            return 0;
        }
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

    private static QueueServiceClient Create(IConfiguration configuration, Func<TokenCredential> credential)
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var connection = configuration.GetSection(ConnectionSetting);
        if (connection.Value is { Length: > 0 } connectionString)
        {
            return new QueueServiceClient(connectionString, options);
        }

        var serviceUri = connection["queueServiceUri"] is { Length: > 0 } uri
            ? new Uri(uri)
            : connection["accountName"] is { Length: > 0 } account
                ? new Uri($"https://{account}.queue.core.windows.net")
                : throw new InvalidOperationException($"{ConnectionSetting} names no queue service: set a connection string, {ConnectionSetting}__queueServiceUri or {ConnectionSetting}__accountName.");
        return new QueueServiceClient(serviceUri, credential(), options);
    }
}
