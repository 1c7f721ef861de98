using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Clients.Registration;

/// <summary>A fetched JSON document (a Client ID Metadata Document, a JWK Set), parsed, and how long it may be kept.</summary>
public sealed record FetchedDocument(JsonDocument Json, TimeSpan CacheFor) : IDisposable
{
    public void Dispose() => Json.Dispose();
}

/// <summary>Why a fetch gave no document: the site could not be read, or what it answered is refused.</summary>
public enum FetchFailure
{
    /// <summary>
    /// No answer that says anything about the document: the network, the time limit, an HTTP error other than 404 or
    /// 410, a redirect, or a page that is not JSON (a bot challenge, a maintenance page). A last good copy may stand in.
    /// </summary>
    Unreachable,

    /// <summary>The site says there is no document (404, 410), or the document breaks a rule (size, address, JSON).</summary>
    Refused,
}

/// <summary>The outcome of <see cref="MetadataDocumentFetcher.FetchJsonAsync"/>: a document, or a failure with its reason.</summary>
public sealed record JsonFetch(FetchedDocument? Document, FetchFailure Failure, string? Reason)
{
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Document))]
    public bool Succeeded => Document is not null;

    public static JsonFetch Unreachable(string reason) => new(null, FetchFailure.Unreachable, reason);

    public static JsonFetch Refused(string reason) => new(null, FetchFailure.Refused, reason);
}

/// <summary>
/// Fetches JSON documents a client names (Client ID Metadata Documents, jwks_uri) so that a URL cannot make the server
/// reach what it should not (SSRF):
/// https only; the host is resolved here and every address it resolves to must be public
/// (<see cref="SpecialPurposeAddresses"/>: no private, loopback, link-local, multicast, reserved, translated or
/// documentation address) unless allow-listed; the connection goes to exactly the addresses checked (the
/// connect callback resolves and connects in one step, so DNS cannot answer differently in between); no redirect is
/// followed, no proxy, no cookies; the answer must be 200, application/json, at most the size limit, and all of it must
/// arrive within the time limit. TLS is validated as usual against the URL's host.
/// </summary>
public sealed class MetadataDocumentFetcher : IDisposable
{
    private readonly ClientMetadataDocumentOptions _options;
    private readonly IReadOnlyList<IPNetwork> _allowed;
    private readonly HttpClient _http;

    /// <summary>The fetcher the services make: TLS validated by the platform, against the URL's host.</summary>
    public MetadataDocumentFetcher(OAuthServerOptions options)
        : this(options, certificateValidation: null)
    {
    }

    /// <param name="options">The server's options.</param>
    /// <param name="certificateValidation">Replaces the platform's certificate validation: only for tests that serve
    /// documents with a certificate of their own. Internal, so nothing registered in the services (a
    /// RemoteCertificateValidationCallback a library or host adds) can ever reach the fetcher's TLS.</param>
    internal MetadataDocumentFetcher(OAuthServerOptions options, RemoteCertificateValidationCallback? certificateValidation)
    {
        _options = options.ClientMetadataDocuments;
        _allowed = _options.AllowedNetworks();
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxResponseHeadersLength = 16,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectToPublicAddressAsync,
        };
        if (certificateValidation is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = certificateValidation;
        }

        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The client metadata document at <paramref name="url"/> (an https URL), or why it cannot be used, for the error page.</summary>
    public async Task<OAuthResult<FetchedDocument>> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        var fetched = await FetchJsonAsync(url, cancellationToken);
        return fetched.Succeeded ? fetched.Document : ClientMetadataDocuments.Failed(fetched);
    }

    /// <summary>The JSON document at <paramref name="url"/> (an https URL), or whether and why it could not be had.</summary>
    public async Task<JsonFetch> FetchJsonAsync(Uri url, CancellationToken cancellationToken)
    {
        if (url.Scheme != Uri.UriSchemeHttps)
        {
            return JsonFetch.Refused("it is not an https URL");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.FetchTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("application/json");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                return JsonFetch.Unreachable("it answered with a redirect, and redirects are not followed");
            }

            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                return JsonFetch.Refused($"it answered HTTP {(int)response.StatusCode}");
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return JsonFetch.Unreachable($"it answered HTTP {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentType?.MediaType is not "application/json")
            {
                return JsonFetch.Unreachable("it is not served as application/json");
            }

            if (response.Content.Headers.ContentLength > _options.MaxDocumentBytes)
            {
                return JsonFetch.Refused($"it is larger than {_options.MaxDocumentBytes} bytes");
            }

            var body = await ReadLimitedAsync(response, deadline.Token);
            if (body is null)
            {
                return JsonFetch.Refused($"it is larger than {_options.MaxDocumentBytes} bytes");
            }

            var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            return new JsonFetch(new FetchedDocument(json, CacheLifetime(response)), default, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return JsonFetch.Unreachable($"it did not arrive within {_options.FetchTimeout.TotalSeconds:0.#} seconds");
        }
        catch (HttpRequestException e) when (e.InnerException is AddressRefusedException refused)
        {
            return JsonFetch.Refused(refused.Message);
        }
        catch (HttpRequestException)
        {
            return JsonFetch.Unreachable("it could not be fetched");
        }
        catch (JsonException)
        {
            return JsonFetch.Refused("it is not valid JSON");
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The body, or null when it is larger than the limit; reads at most one byte past it.</summary>
    private async Task<byte[]?> ReadLimitedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[_options.MaxDocumentBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return length > _options.MaxDocumentBytes ? null : buffer[..length];
    }

    /// <summary>Cache-Control max-age within the limits; without one (or with no-store or no-cache), the shortest.</summary>
    private TimeSpan CacheLifetime(HttpResponseMessage response)
    {
        var cacheControl = response.Headers.CacheControl;
        var maxAge = cacheControl is { NoStore: false, NoCache: false, MaxAge: { } age } ? age : _options.MinCacheLifetime;
        return maxAge < _options.MinCacheLifetime ? _options.MinCacheLifetime : maxAge > _options.MaxCacheLifetime ? _options.MaxCacheLifetime : maxAge;
    }

    /// <summary>
    /// Resolves the host and connects to the addresses it resolved to, all of which must be allowed: checking and
    /// connecting in one step leaves no second DNS answer to rebind to.
    /// </summary>
    private async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new AddressRefusedException("its host has no address");
        }

        if (addresses.Any(a => !IsAllowed(a)))
        {
            throw new AddressRefusedException("its host is a private, loopback, link-local, multicast or reserved address");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private bool IsAllowed(IPAddress address) =>
        _allowed.Any(n => n.Contains(address) || (address.IsIPv4MappedToIPv6 && n.Contains(address.MapToIPv4()))) || SpecialPurposeAddresses.IsPublic(address);

    private sealed class AddressRefusedException(string reason) : Exception(reason);
}
