using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Serverless.OAuth.Apis;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Registration;

/// <summary>
/// Clients described by a Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document; the MCP
/// authorization specification): the client_id is an https URL, and the JSON document there is the client's
/// registration. A document is used only when its own client_id is exactly that URL, its redirect URIs pass the rules
/// of every client (<see cref="ClientRegistration.RedirectUriProblem"/>) and it describes a public client
/// (token_endpoint_auth_method "none"; a document cannot share a secret). Valid clients are kept in memory (bounded,
/// for as long as the document's Cache-Control allows, within limits); nothing is stored, and a document that fails
/// is not kept: its error is answered on the page, never by redirect.
/// </summary>
public sealed class ClientMetadataDocuments(
    MetadataDocumentFetcher fetcher, IApiStore apis, OAuthServerOptions options, TimeProvider clock, ILogger<ClientMetadataDocuments> logger)
{
    public const int MaxUrlLength = 2048;

    private static readonly EventId Refused = new(4211, "ClientMetadataDocumentRefused");
    private static readonly EventId Fetched = new(4212, "ClientMetadataDocumentFetched");

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.ClientMetadataDocuments.CacheSize, CompactionPercentage = 0.25 });

    /// <summary>Whether a client_id names a metadata document rather than a registered client.</summary>
    public static bool IsDocumentUrl(string clientId) => clientId.StartsWith("https://", StringComparison.Ordinal);

    public async Task<OAuthResult<OAuthClient>> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        if (!options.ClientMetadataDocuments.Enabled)
        {
            return OAuthError.InvalidClient("The client is not registered with this server, which does not accept Client ID Metadata Documents.");
        }

        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(clientId, out CachedClient? cached) && cached!.Until > now)
        {
            return cached.Client;
        }

        if (UrlProblem(clientId) is { } problem)
        {
            return OAuthError.InvalidClient($"The client_id is not a usable metadata document URL: {problem}.");
        }

        var url = new Uri(clientId);
        var fetched = await fetcher.FetchAsync(url, cancellationToken);
        if (!fetched.Succeeded)
        {
            logger.LogWarning(Refused, "The metadata document of a client at {Host} was refused: {Reason}", url.Host, fetched.Error.Description);
            return fetched.Error;
        }

        using var document = fetched.Value;
        var client = ToClient(url, clientId, document, await apis.GetCatalogAsync(cancellationToken));
        if (!client.Succeeded)
        {
            logger.LogWarning(Refused, "The metadata document of a client at {Host} was refused: {Reason}", url.Host, client.Error.Description);
            return client.Error;
        }

        logger.LogInformation(Fetched, "Read the metadata document of a client at {Host}, kept for {CacheFor}", url.Host, document.CacheFor);
        _cache.Set(clientId, new CachedClient(client.Value, now + document.CacheFor), new MemoryCacheEntryOptions
        {
            Size = 1,
            AbsoluteExpirationRelativeToNow = document.CacheFor,
        });
        return client.Value;
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

    private OAuthResult<OAuthClient> ToClient(Uri url, string clientId, FetchedDocument document, ApiCatalog catalog)
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

        if (metadata.TokenEndpointAuthMethod is not (null or ClientMetadata.None))
        {
            return Unusable("it must describe a public client (token_endpoint_auth_method \"none\")");
        }

        if (metadata.RedirectUris.Select(ClientRegistration.RedirectUriProblem).FirstOrDefault(p => p is not null) is { } redirectProblem)
        {
            return Unusable(redirectProblem);
        }

        var registrable = SelfRegistration.RegistrableScopes(options, catalog);
        var scope = ScopeSet.Parse(metadata.Scope ?? "");
        if (scope is null || !scope.IsSubsetOf(registrable))
        {
            return Unusable("its scope names a scope this server does not have, or does not give to clients that register themselves");
        }

        return new OAuthClient
        {
            ClientId = clientId,
            Name = metadata.ClientName ?? url.Host,
            Type = ClientType.Public,
            RedirectUris = [.. metadata.RedirectUris.Distinct(StringComparer.Ordinal)],
            AllowedScopes = scope.IsEmpty ? registrable : [.. scope.Values],
            AllowedGrantTypes = metadata.GrantTypes,
            RefreshWithoutOfflineAccess = SelfRegistration.RefreshWithoutOfflineAccess(metadata.GrantTypes),
            DefaultResource = SelfRegistration.DefaultResource(options),
            AllowedResources = SelfRegistration.AllowedResources(options),
            MetadataDocument = url,
        };
    }

    private static OAuthError Unusable(string reason) => OAuthError.InvalidClient($"The client's metadata document cannot be used: {reason.TrimEnd('.')}.");

    private sealed record CachedClient(OAuthClient Client, DateTimeOffset Until);
}
