namespace Serverless.OAuth.Protocol;

/// <summary>
/// Thrown by a dependency's adapter (Table Storage, Key Vault) when the dependency failed in a way the client should
/// retry: unreachable, throttled or timing out past the adapter's retries, or answering 5xx. Any other refusal (403,
/// 404, 400) is a configuration error or a bug and stays the adapter's own exception. Protocol errors are returned as
/// values (<see cref="OAuthResult{T}"/>), never thrown.
/// </summary>
public sealed class DependencyUnavailableException(string dependency, Exception? inner = null)
    : Exception($"{dependency} is unavailable.", inner)
{
    public string Dependency { get; } = dependency;

    /// <summary>
    /// The one rule for "the client should try again": 503 temporarily_unavailable (RFC 6749 §4.1.2.1, §5.2) instead
    /// of 500 server_error. Adapters translate their own failures into this exception; a network failure or timeout
    /// that no adapter saw counts too, unless it is the request's own cancellation. Several calls that ran at once
    /// (<see cref="Task.WhenAll(Task[])"/>) count when one of them does.
    /// </summary>
    public static bool IsTransient(Exception exception, CancellationToken requestAborted) => exception switch
    {
        DependencyUnavailableException or HttpRequestException => true,
        OperationCanceledException or TimeoutException => !requestAborted.IsCancellationRequested,
        AggregateException aggregate => aggregate.InnerExceptions.Any(inner => IsTransient(inner, requestAborted)),
        _ => false,
    };
}
