namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// The device authorization grant (RFC 8628; section "OAuth:DeviceAuthorization"): how long a device code and its user
/// code live, and how often the device may poll. The lifetime is also the window a guesser has for one user code, so
/// it is part of the brute-force bound (docs/device-flow.md).
/// </summary>
public sealed class DeviceAuthorizationOptions
{
    /// <summary>How long the user has to enter the code and approve (RFC 8628 §3.2 expires_in).</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The least time between two polls of one device code (RFC 8628 §3.2 interval); each slow_down adds 5 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<string> Validate()
    {
        if (Lifetime < TimeSpan.FromMinutes(1) || Lifetime > TimeSpan.FromMinutes(30))
        {
            yield return "OAuth:DeviceAuthorization:Lifetime must be between 1 and 30 minutes.";
        }

        if (Interval < TimeSpan.FromSeconds(1) || Interval > TimeSpan.FromMinutes(1) || Interval.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            yield return "OAuth:DeviceAuthorization:Interval must be whole seconds, between 1 and 60.";
        }
    }
}
