namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// Pushed authorization requests (RFC 9126; section "OAuth:PushedAuthorization"). /par is always open to clients; these
/// say how long a request_uri lives and whether every client must push its requests.
/// </summary>
public sealed class PushedAuthorizationOptions
{
    /// <summary>The longest a request_uri may live: RFC 9126 §2.2 wants it short, and it is single-use anyway.</summary>
    public static readonly TimeSpan MaxRequestUriLifetime = TimeSpan.FromSeconds(60);

    /// <summary>How long a pushed request waits for the browser to bring its request_uri to /authorize.</summary>
    public TimeSpan RequestUriLifetime { get; set; } = MaxRequestUriLifetime;

    /// <summary>
    /// When true, /authorize takes only pushed requests, from every client (RFC 9126 §5,
    /// <c>require_pushed_authorization_requests</c>); when false, only clients registered with it must push.
    /// </summary>
    public bool Required { get; set; }

    public IEnumerable<string> Validate()
    {
        if (RequestUriLifetime <= TimeSpan.Zero || RequestUriLifetime > MaxRequestUriLifetime)
        {
            yield return "OAuth:PushedAuthorization:RequestUriLifetime must be positive and at most 00:01:00.";
        }
    }
}
