using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Serverless.Testing.Storage;

/// <summary>
/// Counts every HTTP request the Table Storage clients send (per retry, so a retried request counts twice, as the
/// service bills it), keyed "VERB table". Entity-group transactions go to "$batch", which names no table. It also
/// counts <see cref="RoundTrips"/>: the longest chain of requests each sent only after an earlier one was answered,
/// which is what a caller waits for when independent requests are sent at once.
/// </summary>
public sealed class StorageRequestCounter(string tablePrefix) : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly Lock _waves = new();
    private int _answeredWave;
    private int _deepestWave;

    public int Total => _counts.Values.Sum();

    /// <summary>
    /// Requests sent one after another: a request sent after the answer to one of chain length n has length n + 1;
    /// requests sent together (before any of them is answered) share a length. The answers are held for
    /// <see cref="AnswerHold"/> before they count as answered, so requests a caller sends together (one after the
    /// other, without waiting) are never taken for a chain because the first answer came back quickly.
    /// </summary>
    public int RoundTrips
    {
        get
        {
            lock (_waves)
            {
                return _deepestWave;
            }
        }
    }

    /// <summary>Zero (the default) leaves answers alone, and <see cref="RoundTrips"/> is then only an upper bound.</summary>
    public TimeSpan AnswerHold { get; init; }

    public IReadOnlyDictionary<string, int> Snapshot() => new SortedDictionary<string, int>(_counts, StringComparer.Ordinal);

    public void Reset()
    {
        _counts.Clear();
        lock (_waves)
        {
            _answeredWave = 0;
            _deepestWave = 0;
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        int wave;
        lock (_waves)
        {
            wave = _answeredWave + 1;
            _deepestWave = Math.Max(_deepestWave, wave);
        }

        await ProcessNextAsync(message, pipeline);
        if (AnswerHold > TimeSpan.Zero)
        {
            await Task.Delay(AnswerHold);
        }

        lock (_waves)
        {
            _answeredWave = Math.Max(_answeredWave, wave);
        }
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
