using Serverless.OAuth.Infrastructure.Storage;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Endpoints.Validation;

/// <summary>
/// Pushed authorization requests (RFC 9126) waiting for their browser, in the <c>pushedrequests</c> table: one
/// partition per request, keyed by the SHA-256 of the request_uri's random part, so the table never holds a usable
/// request_uri. A row is first unclaimed; the browser that first brings the request_uri claims it (its binding's hash,
/// written on the condition that the row is unchanged), and the authorization response marks it taken on the same
/// condition, after which it is unknown until the purge removes it. Both writes recognise their own retry after a lost
/// answer (<see cref="RetrySafeWrite"/>), so a browser is not refused its own request.
/// </summary>
public sealed class PushedRequestStore(OAuthTables tables, ExpiryIndex index, TimeProvider clock)
{
    private readonly ExpiringTable _requests = new(OAuthTables.PushedRequests, tables, index, clock);

    public async Task AddAsync(string key, string clientId, string request, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        await _requests.AddAsync(
            new PushedRequestEntity { PartitionKey = key, RowKey = PushedRequestEntity.Row, ClientId = clientId, Request = request, PushedAt = clock.GetUtcNow(), ExpiresAt = expiresAt },
            cancellationToken);

    /// <summary>The live pushed request stored under <paramref name="key"/>, with its version; null when unknown, expired or taken.</summary>
    public async Task<PushedRequestEntity?> FindAsync(string key, CancellationToken cancellationToken) =>
        await _requests.GetAsync<PushedRequestEntity>(key, PushedRequestEntity.Row, cancellationToken) is { Taken: false } row ? row : null;

    /// <summary>
    /// Binds the request to a browser's secret, if it is still as read, and keeps it for <paramref name="interactionLifetime"/>
    /// from now: the request_uri's short life is for reaching /authorize, and the sign-in that follows may take longer (an
    /// upstream provider's MFA). False when another use got there first.
    /// </summary>
    public Task<bool> BindAsync(PushedRequestEntity row, string browserHash, TimeSpan interactionLifetime, CancellationToken cancellationToken)
    {
        row.BrowserHash = browserHash;
        row.ExpiresAt = clock.GetUtcNow() + interactionLifetime;
        return _requests.TryReplaceAsync(row, cancellationToken);
    }

    /// <summary>Marks the request taken, if it is still as read: true for exactly one caller per request.</summary>
    public Task<bool> TakeAsync(PushedRequestEntity row, CancellationToken cancellationToken)
    {
        row.Taken = true;
        return _requests.TryReplaceAsync(row, cancellationToken);
    }
}

public sealed class PushedRequestEntity : ExpiringEntity
{
    public const string Row = "pushed";

    public string ClientId { get; set; } = "";

    /// <summary>The pushed parameters as a query string (client authentication left out), validated again at /authorize.</summary>
    public string Request { get; set; } = "";

    /// <summary>
    /// When it was pushed: a sign-in after it belongs to this authorization, so it answers the request's prompt=login
    /// and max_age, which stay on the server with the request (the consent step's post cannot drop them).
    /// </summary>
    public DateTimeOffset? PushedAt { get; set; }

    /// <summary>The SHA-256 of the secret binding the request to the browser that claimed it; empty while unclaimed.</summary>
    public string BrowserHash { get; set; } = "";

    /// <summary>True once the authorization's answer took it: it is kept, unusable, until it expires.</summary>
    public bool Taken { get; set; }
}

/// <summary>
/// A request_uri of this server (RFC 9126 §2.2): <c>urn:ietf:params:oauth:request_uri:</c> and 256 random bits. Only
/// the hash of the random part is stored (<see cref="Key"/>).
/// </summary>
public sealed record PushedRequestUri(string Value, string Key)
{
    public const string Prefix = "urn:ietf:params:oauth:request_uri:";

    /// <summary>The parameter that carries it, at /authorize (and refused inside a push).</summary>
    public const string Parameter = "request_uri";

    /// <summary>Whether the parameters name a request_uri at all (once or repeated).</summary>
    public static bool IsNamedIn(OAuthParameters parameters) => parameters.IsRepeated(Parameter) || parameters[Parameter] is not null;

    public static PushedRequestUri New()
    {
        var secret = SecretValues.NewSecret();
        return new(Prefix + secret, SecretValues.Hash(secret));
    }

    /// <summary>One of ours by its shape (the prefix, then 43 base64url characters), or null.</summary>
    public static PushedRequestUri? Parse(string? value) =>
        value is { Length: 43 + 34 } && value.StartsWith(Prefix, StringComparison.Ordinal) && value[Prefix.Length..].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? new(value, SecretValues.Hash(value[Prefix.Length..]))
            : null;
}

/// <summary>
/// A pushed request in use by one browser: its request_uri (the sign-in page carries it), its row as read (the version
/// every later write is conditional on), and the binding the browser continued with (null on its first arrival).
/// </summary>
public sealed record PushedRequestClaim(string RequestUri, PushedRequestEntity Row, string? BrowserBinding);
