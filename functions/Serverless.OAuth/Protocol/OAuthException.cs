namespace Serverless.OAuth.Protocol;

/// <summary>
/// Thrown where a dependency (Table Storage, Key Vault) fails in a way the client should retry; the HTTP layer turns it
/// into 503 temporarily_unavailable. Protocol errors are returned as values, never thrown.
/// </summary>
public sealed class DependencyUnavailableException(string dependency, Exception? inner = null)
    : Exception($"{dependency} is unavailable.", inner)
{
    public string Dependency { get; } = dependency;
}
