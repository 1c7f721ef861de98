namespace Serverless.FunctionsHost;

public sealed class FunctionsHostOptions
{
    /// <summary>The app's build or publish output (the folder holding worker.config.json).</summary>
    public required string AppDirectory { get; init; }

    /// <summary>The port of the public HTTP routes on 127.0.0.1; 0 picks a free one.</summary>
    public int HttpPort { get; init; }

    /// <summary>
    /// Serves the HTTP routes over https with this certificate, as Azure's front end does (the worker is still reached
    /// over http behind it, as in Azure); null serves http, as 'func start' does.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? HttpsCertificate { get; init; }

    /// <summary>Read local.settings.json's Values as app settings, as 'func start' does (the environment wins over them).</summary>
    public bool UseLocalSettings { get; init; } = true;

    /// <summary>App settings, passed to the worker as environment variables; they win over local.settings.json.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>How long the worker may take to connect, index and load its functions.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Receives each line of <see cref="WorkerOutput"/> as it arrives (the standalone host prints them).</summary>
    public Action<string>? Echo { get; init; }
}
