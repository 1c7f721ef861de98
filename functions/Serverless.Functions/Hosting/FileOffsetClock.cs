using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Serverless.Functions.Hosting;

/// <summary>
/// The worker's clock in the tests that run it under the host emulator: the real time plus an offset (in ticks) that
/// the test writes to the file TestClock:OffsetFile names, so a test moves the worker's time instead of waiting for
/// it. A setting that moves the server's clock could lengthen every token and code, so it is honoured only in
/// Development with storage on a loopback address (Azurite on the test machine); set anywhere else, the worker refuses
/// to start rather than ignore it.
/// </summary>
internal sealed class FileOffsetClock(string path) : TimeProvider
{
    public const string Setting = "TestClock:OffsetFile";

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset();

    /// <summary>Read on every call (only tests run this clock): the test replaces the file atomically.</summary>
    private TimeSpan Offset()
    {
        try
        {
            return TimeSpan.FromTicks(long.Parse(File.ReadAllText(path), NumberStyles.Integer, CultureInfo.InvariantCulture));
        }
        catch (FileNotFoundException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>Registers the clock when the setting is present and allowed; throws when it is present and not allowed.</summary>
    public static void AddIfAllowed(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        if (configuration[Setting] is not { Length: > 0 } path)
        {
            return;
        }

        if (!environment.IsDevelopment() || !StorageIsOnLoopback(configuration))
        {
            throw new InvalidOperationException(
                $"{Setting} is a test setting, honoured only in Development with OAuth:Storage on a loopback address (Azurite); remove it.");
        }

        services.AddSingleton<TimeProvider>(new FileOffsetClock(path));
    }

    private static bool StorageIsOnLoopback(IConfiguration configuration)
    {
        if (configuration["OAuth:Storage:TableServiceUri"] is { Length: > 0 } serviceUri)
        {
            return Uri.TryCreate(serviceUri, UriKind.Absolute, out var uri) && uri.IsLoopback;
        }

        var parts = (configuration["OAuth:Storage:ConnectionString"] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        return string.Equals(parts.GetValueOrDefault("UseDevelopmentStorage"), "true", StringComparison.OrdinalIgnoreCase)
            || (parts.TryGetValue("TableEndpoint", out var endpoint) && Uri.TryCreate(endpoint, UriKind.Absolute, out var table) && table.IsLoopback);
    }
}
