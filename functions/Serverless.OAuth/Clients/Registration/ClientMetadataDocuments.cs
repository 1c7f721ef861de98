using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Clients.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Infrastructure.Telemetry;

namespace Serverless.OAuth.Clients.Registration;

/// <summary>
/// Clients described by a Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document; the MCP
/// authorization specification): the client_id is an https URL, and the JSON document there is the client's
/// registration. A document is used only when its own client_id is exactly that URL, it describes a public client
/// (token_endpoint_auth_method "none"; a document cannot share a secret) and it passes the one registration pipeline
/// (<see cref="ClientRegistration"/>, <see cref="RegistrationPolicy.MetadataDocument"/>), like every other client. Nothing is stored; an instance keeps, in
/// memory and bounded:
/// <list type="bullet">
/// <item>a valid client, fresh for as long as the document's Cache-Control allows (within limits), and then, while its
/// site cannot be reached, as the last good copy for up to <see cref="ClientMetadataDocumentOptions.StaleLifetime"/>
/// more (stale-if-error);</item>
/// <item>a refused or unreachable document, for <see cref="ClientMetadataDocumentOptions.RefusedCacheLifetime"/>, so a
/// stream of /authorize requests does not fetch it each time;</item>
/// <item>the fetch under way for a URL, which concurrent requests for it join instead of fetching it again.</item>
/// </list>
/// A failure is answered on the page, never by redirect, and says whether the document could not be reached or was
/// refused; neither is "unknown client".
/// </summary>
public sealed class ClientMetadataDocuments(
    MetadataDocumentFetcher fetcher, IApiStore apis, IClientStore clients, OAuthServerOptions options, TimeProvider clock, ILogger<ClientMetadataDocuments> logger)
{
    public const int MaxUrlLength = 2048;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.ClientMetadataDocuments.CacheSize, CompactionPercentage = 0.25 });
    private readonly ConcurrentDictionary<string, Lazy<Task<CachedDocument>>> _fetching = new(StringComparer.Ordinal);

    /// <summary>Whether a client_id names a metadata document rather than a registered client.</summary>
    public static bool IsDocumentUrl(string clientId) => clientId.StartsWith("https://", StringComparison.Ordinal);

    /// <summary>The error for a document that could not be had: "could not be reached" or "cannot be used", never "unknown client".</summary>
    public static OAuthError Failed(JsonFetch fetch) => fetch.Failure == FetchFailure.Unreachable
        ? OAuthError.InvalidClient($"The client's metadata document could not be reached: {fetch.Reason?.TrimEnd('.')}. Try again later.")
        : Unusable(fetch.Reason ?? "it was refused");

    public async Task<OAuthResult<OAuthClient>> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        if (!options.ClientMetadataDocuments.Enabled)
        {
            return OAuthError.InvalidClient("The client is not registered with this server, which does not accept Client ID Metadata Documents.");
        }

        if (_cache.TryGetValue(clientId, out CachedDocument? cached) && cached!.FreshUntil > clock.GetUtcNow())
        {
            return cached.Result;
        }

        if (UrlProblem(clientId) is { } problem)
        {
            return OAuthError.InvalidClient($"The client_id is not a usable metadata document URL: {problem}.");
        }

        // Single flight: one fetch per URL at a time, whoever asks; it runs to its own time limit, not a caller's.
        var fetch = _fetching.GetOrAdd(clientId, id => new Lazy<Task<CachedDocument>>(() => FetchOnceAsync(id, cached)));
        return (await fetch.Value.WaitAsync(cancellationToken)).Result;
    }

    private async Task<CachedDocument> FetchOnceAsync(string clientId, CachedDocument? previous)
    {
        try
        {
            return await RefreshAsync(clientId, previous);
        }
        finally
        {
            _fetching.TryRemove(clientId, out _);
        }
    }

    private async Task<CachedDocument> RefreshAsync(string clientId, CachedDocument? previous)
    {
        var url = new Uri(clientId);
        var policy = options.ClientMetadataDocuments;
        var fetched = await fetcher.FetchJsonAsync(url, CancellationToken.None);
        var now = clock.GetUtcNow();
        CachedDocument entry;
        if (!fetched.Succeeded)
        {
            if (fetched.Failure == FetchFailure.Unreachable && previous is { Result.Succeeded: true } && previous.StaleUntil > now)
            {
                // Stale-if-error: the last good copy, tried again after the refused-cache time.
                logger.LogWarning(EventIds.ClientMetadataDocumentServedStale, "The metadata document of a client at {Host} could not be reached ({Reason}); its last good copy is used until {StaleUntil}", url.Host, fetched.Reason, previous.StaleUntil);
                entry = previous with { FreshUntil = now + policy.RefusedCacheLifetime };
            }
            else
            {
                logger.LogWarning(fetched.Failure == FetchFailure.Unreachable ? EventIds.ClientMetadataDocumentUnreachable : EventIds.ClientMetadataDocumentRefused, "The metadata document of a client at {Host} was not used: {Reason}", url.Host, fetched.Reason);
                entry = new CachedDocument(Failed(fetched), now + policy.RefusedCacheLifetime, now);
            }
        }
        else
        {
            using var document = fetched.Document;
            var operatorNames = (await clients.ListAsync(CancellationToken.None)).Where(c => !c.IsSelfRegistered).Select(c => c.Name);
            var client = ToClient(url, clientId, document, options, await apis.GetCatalogAsync(CancellationToken.None), operatorNames);
            if (!client.Succeeded)
            {
                logger.LogWarning(EventIds.ClientMetadataDocumentRefused, "The metadata document of a client at {Host} was refused: {Reason}", url.Host, client.Error.Description);
                entry = new CachedDocument(client.Error, now + policy.RefusedCacheLifetime, now);
            }
            else
            {
                logger.LogInformation(EventIds.ClientMetadataDocumentFetched, "Read the metadata document of a client at {Host}, kept for {CacheFor}", url.Host, document.CacheFor);
                entry = new CachedDocument(client.Value, now + document.CacheFor, now + document.CacheFor + policy.StaleLifetime);
            }
        }

        var keep = (entry.StaleUntil > entry.FreshUntil ? entry.StaleUntil : entry.FreshUntil) - now;
        if (keep > TimeSpan.Zero)
        {
            _cache.Set(clientId, entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = keep });
        }

        return entry;
    }

    /// <summary>
    /// Why a client_id cannot be a document URL (draft-ietf-oauth-client-id-metadata-document §3): https, with a path,
    /// without fragment, user information, query or dot segments, and written as its canonical form, since it is
    /// compared character for character with the document's client_id.
    /// </summary>
    public static string? UrlProblem(string clientId)
    {
        if (clientId.Length > MaxUrlLength || !Uri.TryCreate(clientId, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
        {
            return "it must be an absolute https URL";
        }

        if (url.AbsolutePath.Length <= 1)
        {
            return "it must have a path";
        }

        if (url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0 || clientId.Contains('#') || clientId.Contains('?'))
        {
            return "it may not have user information, a query or a fragment";
        }

        if (url.AbsoluteUri != clientId)
        {
            return "it must be written in canonical form (lower-case scheme and host, no dot segments, no default port)";
        }

        return null;
    }

    /// <summary>The document through the one registration pipeline, under the metadata-document policy.</summary>
    private static OAuthResult<OAuthClient> ToClient(
        Uri url, string clientId, FetchedDocument document, OAuthServerOptions options, ApiCatalog catalog, IEnumerable<string> operatorClientNames)
    {
        var read = ClientMetadataReader.Read(document.Json.RootElement);
        if (!read.Succeeded)
        {
            return Unusable(read.Error.Description ?? read.Error.Error);
        }

        var metadata = read.Value;
        if (metadata.ClientId != clientId)
        {
            return Unusable("its client_id is not the URL it was fetched from");
        }

        // A public client, or one that proves itself with its keys at its jwks_uri (no secret can be shared with a document).
        var withKeys = metadata.TokenEndpointAuthMethod == ClientMetadata.PrivateKeyJwt && metadata.JwksUri is not null;
        if (metadata.TokenEndpointAuthMethod is not (null or ClientMetadata.None) && !withKeys)
        {
            return Unusable("it must describe a public client (token_endpoint_auth_method \"none\") or one with private_key_jwt and a jwks_uri");
        }

        var request = SelfRegistration.Request(metadata, clientId, url.Host, ClientRegistration.AuthNone);
        var registered = ClientRegistration.Register(request, RegistrationPolicy.MetadataDocument(options, catalog), options, catalog, operatorClientNames, now: null);
        return registered.Succeeded
            ? registered.Client with { MetadataDocument = url }
            : Unusable(SelfRegistration.Describe(registered.Problems.FirstOrDefault(p => p.Kind is ClientRegistrationProblemKind.InvalidRedirectUri) ?? registered.Problems[0]));
    }

    private static OAuthError Unusable(string reason) => OAuthError.InvalidClient($"The client's metadata document cannot be used: {reason.TrimEnd('.')}.");

    /// <summary>What an instance remembers of a URL: the client or the error, used until <see cref="FreshUntil"/>; a client also stands in until <see cref="StaleUntil"/> while its site cannot be reached.</summary>
    private sealed record CachedDocument(OAuthResult<OAuthClient> Result, DateTimeOffset FreshUntil, DateTimeOffset StaleUntil);
}
