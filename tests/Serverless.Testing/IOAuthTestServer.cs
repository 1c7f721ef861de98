namespace Serverless.Testing;

/// <summary>
/// A running authorization server a test speaks HTTP to: the local host in this process (<see cref="LocalServer"/>)
/// or the Functions app's real worker behind the host emulator (<see cref="FunctionsWorkerServer"/>). Tests written
/// against this run the same requests against both, so a difference between the hosts fails a test.
/// </summary>
public interface IOAuthTestServer : IAsyncDisposable
{
    Uri BaseAddress { get; }

    /// <summary>The issuer the server was configured with: its base address without the trailing slash.</summary>
    string Issuer { get; }

    /// <summary>The core's services against the server's own tables, for registering clients and users.</summary>
    IServiceProvider Services { get; }

    /// <summary>
    /// Lets the server's clock move on: the local host's manual clock jumps; the worker runs on the real clock, so
    /// this waits it out (keep such waits to the one or two tests that need them).
    /// </summary>
    Task PassTimeAsync(TimeSpan time);
}
