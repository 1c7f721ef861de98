using System.Net;

namespace Serverless.OAuth.Infrastructure.Options;

/// <summary>
/// Client ID Metadata Documents (section "OAuth:ClientMetadataDocuments"; the MCP authorization specification's
/// preferred way for a client to introduce itself): a client_id that is an https URL names a JSON document the server
/// fetches. Off by default, like dynamic registration: enabled, any site may present itself as a (public) client.
/// </summary>
public sealed class ClientMetadataDocumentOptions
{
    public bool Enabled { get; set; }

    /// <summary>
    /// Addresses or CIDR ranges ("10.1.0.0/16", "127.0.0.1") the server may fetch documents from although they are not
    /// public: by default private, loopback, link-local and multicast addresses are refused, so a client_id cannot make
    /// the server reach into its own network (SSRF).
    /// </summary>
    public List<string> AllowedAddresses { get; set; } = [];

    /// <summary>A document larger than this is refused; the MCP specification's example limit.</summary>
    public int MaxDocumentBytes { get; set; } = 5 * 1024;

    /// <summary>The whole fetch (resolving, connecting, TLS, answer) must finish within this, or the document is refused.</summary>
    public TimeSpan FetchTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many documents an instance keeps in memory.</summary>
    public int CacheSize { get; set; } = 1_000;

    /// <summary>The shortest and longest a document is kept, whatever its Cache-Control says (max-age within these; none, or no-store, is the shortest).</summary>
    public TimeSpan MinCacheLifetime { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxCacheLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long past its freshness the last good copy of a document stands in when its site cannot be reached (HTTP
    /// stale-if-error, RFC 5861 §4): a site behind a bot challenge or down for an hour does not lock its users out.
    /// Zero: never. A document its site says is gone (404, 410) or that breaks a rule is never served stale.
    /// </summary>
    public TimeSpan StaleLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a document that was refused or could not be fetched is remembered, so /authorize does not fetch it on every request.</summary>
    public TimeSpan RefusedCacheLifetime { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Validate()
    {
        foreach (var entry in AllowedAddresses.Where(a => !IPNetwork.TryParse(a, out _) && !IPAddress.TryParse(a, out _)))
        {
            yield return $"OAuth:ClientMetadataDocuments:AllowedAddresses has '{entry}', which is neither an IP address nor a CIDR range.";
        }

        if (MaxDocumentBytes is < 256 or > 64 * 1024 || FetchTimeout <= TimeSpan.Zero || FetchTimeout > TimeSpan.FromSeconds(30) || CacheSize < 1)
        {
            yield return "OAuth:ClientMetadataDocuments needs MaxDocumentBytes between 256 and 65536, FetchTimeout between 0 and 30 seconds and CacheSize at least 1.";
        }

        if (StaleLifetime < TimeSpan.Zero || StaleLifetime > TimeSpan.FromDays(30) || RefusedCacheLifetime < TimeSpan.Zero || RefusedCacheLifetime > TimeSpan.FromHours(1))
        {
            yield return "OAuth:ClientMetadataDocuments needs StaleLifetime between 0 and 30 days and RefusedCacheLifetime between 0 and 1 hour.";
        }

        if (MinCacheLifetime <= TimeSpan.Zero || MaxCacheLifetime < MinCacheLifetime)
        {
            yield return "OAuth:ClientMetadataDocuments needs 0 < MinCacheLifetime <= MaxCacheLifetime.";
        }
    }

    /// <summary>The allow-list as networks (a single address as its /32 or /128).</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks() =>
        [.. AllowedAddresses.Select(a => IPNetwork.TryParse(a, out var network) ? network : new IPNetwork(IPAddress.Parse(a), IPAddress.Parse(a).GetAddressBytes().Length * 8))];
}
