namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// Client authentication by signed assertion (section "OAuth:ClientAssertions"): <c>private_key_jwt</c> (RFC 7523
/// §2.2) and workload identity federation (a trusted issuer's token as the assertion).
/// </summary>
public sealed class ClientAssertionOptions
{
    /// <summary>
    /// The longest a <c>private_key_jwt</c> assertion may still be valid for when it arrives (its <c>exp</c> from now):
    /// its <c>jti</c> is remembered that long, so a short bound keeps the replay store small.
    /// </summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Tolerated difference between the client's clock and the server's, for <c>exp</c>, <c>nbf</c> and <c>iat</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An assertion signed with a key not in a client's cached <c>jwks_uri</c> set fetches the set again (the client
    /// rotated its keys), at most once per this interval per client, so made-up key ids cannot make the server fetch on
    /// every request.
    /// </summary>
    public TimeSpan KeyRefetchInterval { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Validate()
    {
        if (MaxLifetime <= TimeSpan.Zero || MaxLifetime > TimeSpan.FromHours(1))
        {
            yield return "OAuth:ClientAssertions:MaxLifetime must be positive and at most 1 hour.";
        }

        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
        {
            yield return "OAuth:ClientAssertions:ClockSkew must be between 0 and 5 minutes.";
        }

        if (KeyRefetchInterval < TimeSpan.Zero)
        {
            yield return "OAuth:ClientAssertions:KeyRefetchInterval must not be negative.";
        }
    }
}
