using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Endpoints;

/// <summary>What an endpoint answers, independent of the host; <see cref="Http.EndpointHttpResult"/> turns it into HTTP.</summary>
public abstract record EndpointResult
{
    /// <summary>Set when the answer starts or ends the browser's sign-in session (its cookie is then written or cleared).</summary>
    public SessionCookie? Session { get; init; }

    /// <summary>
    /// The OAuth error this answer reports, wherever it goes (a JSON error, a Bearer challenge, an error page, or an
    /// error sent to the client's redirect URI): counted once, where the answer becomes HTTP (<see cref="Http.EndpointHttpResult"/>).
    /// </summary>
    public virtual OAuthError? Failure => null;

    /// <summary>Set when the answer sends the browser to an upstream provider: the cookie that binds its answer to this browser.</summary>
    public SessionCookie? SignInBinding { get; init; }

    /// <summary>
    /// Set on the authorization response itself (a code or an error sent to the client's redirect URI): the answer
    /// that uses up a pushed request (RFC 9126 §4), so the interaction's <c>PushedAuthorizationRequests</c> lets only one out.
    /// </summary>
    public bool EndsAuthorization { get; init; }
}

/// <summary>The sign-in session cookie to write: <see cref="Value"/> null clears it.</summary>
public sealed record SessionCookie(string? Value, TimeSpan MaxAge)
{
    public static SessionCookie Cleared { get; } = new(null, TimeSpan.Zero);
}

/// <summary>
/// A JSON body, one of the records serialized by generated code (Http/OAuthJsonContext); token-bearing answers are
/// never cached.
/// </summary>
public sealed record JsonBody(object Body, int Status = 200, bool NoStore = true, string? CacheControl = null) : EndpointResult;

/// <summary>An OAuth error as JSON (RFC 6749 §5.2). The status follows from the error code unless given.</summary>
public sealed record OAuthErrorResult(OAuthError Error) : EndpointResult
{
    public override OAuthError? Failure => Error;
}

/// <summary>
/// An RFC 6750 error from the resource: 401/403 with a Bearer challenge, naming the scope it needs (RFC 6750 §3, for
/// insufficient_scope) and where its metadata is (RFC 9728 §5.1), when given.
/// </summary>
public sealed record BearerChallengeResult(OAuthError? Error, string Realm, string? Scope = null, string? ResourceMetadata = null) : EndpointResult
{
    public override OAuthError? Failure => Error;

    /// <summary>Set when the resource takes DPoP too: a DPoP challenge with these algs follows the Bearer one (RFC 9449 §7.1).</summary>
    public IReadOnlyList<string>? DpopAlgorithms { get; init; }

    /// <summary>The client used the DPoP scheme: the error goes in the DPoP challenge, the Bearer one stays bare.</summary>
    public bool ErrorInDpopChallenge { get; init; }
}

/// <summary>
/// A redirect (302, or 303 after a POST) to a redirect URI verified against the client's registration; <see cref="Error"/>
/// is set when it carries an authorization error to the client (RFC 6749 §4.1.2.1).
/// </summary>
public sealed record RedirectTo(string Location, OAuthError? Error = null) : EndpointResult
{
    public override OAuthError? Failure => Error;
}

/// <summary>A file the server ships in its assembly (the demo client's script and stylesheet).</summary>
public sealed record StaticFileResult(string Body, string ContentType) : EndpointResult;
