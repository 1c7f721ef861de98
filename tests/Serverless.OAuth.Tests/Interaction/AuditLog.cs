using Microsoft.Extensions.Logging;

namespace Serverless.OAuth.Tests.Interaction;

/// <summary>Keeps the event ids a step logs, so a test can see which audit event it wrote.</summary>
internal sealed class AuditLog<T> : ILogger<T>
{
    public List<int> EventIds { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        EventIds.Add(eventId.Id);
}
