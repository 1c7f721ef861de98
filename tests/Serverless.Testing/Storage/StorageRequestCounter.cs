using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Testing.Storage;

/// <summary>
/// Counts every HTTP request the Table Storage clients send (per retry, so a retried request counts twice, as the
/// service bills it), keyed "VERB table". Entity-group transactions go to "$batch", which names no table.
/// </summary>
public sealed class StorageRequestCounter(string tablePrefix) : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int Total => _counts.Values.Sum();

    public IReadOnlyDictionary<string, int> Snapshot() => new SortedDictionary<string, int>(_counts, StringComparer.Ordinal);

    public void Reset() => _counts.Clear();

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        return ProcessNextAsync(message, pipeline);
    }

    private void Count(HttpMessage message) =>
        _counts.AddOrUpdate($"{message.Request.Method} {TableOf(message.Request.Uri.Path)}", 1, (_, n) => n + 1);

    /// <summary>"/devstoreaccount1/tabc123grants(PartitionKey='..')" -> "grants"; "/account/$batch" -> "$batch".</summary>
    private string TableOf(string path)
    {
        var segment = path.TrimEnd('/');
        segment = segment[(segment.LastIndexOf('/') + 1)..];
        var parenthesis = segment.IndexOf('(', StringComparison.Ordinal);
        if (parenthesis >= 0)
        {
            segment = segment[..parenthesis];
        }

        return segment.StartsWith(tablePrefix, StringComparison.Ordinal) ? segment[tablePrefix.Length..] : segment;
    }
}
