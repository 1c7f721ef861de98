using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json;
using Serverless.OAuth.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Registration;

/// <summary>A fetched Client ID Metadata Document, parsed, and how long it may be kept.</summary>
public sealed record FetchedDocument(JsonDocument Json, TimeSpan CacheFor) : IDisposable
{
    public void Dispose() => Json.Dispose();
}

/// <summary>
/// Fetches Client ID Metadata Documents so that a client_id cannot make the server reach what it should not (SSRF):
/// https only; the host is resolved here and every address it resolves to must be public (not private, loopback,
/// link-local, multicast or reserved) unless allow-listed; the connection goes to exactly the addresses checked (the
/// connect callback resolves and connects in one step, so DNS cannot answer differently in between); no redirect is
/// followed, no proxy, no cookies; the answer must be 200, application/json, at most the size limit, and all of it must
/// arrive within the time limit. TLS is validated as usual against the URL's host.
/// </summary>
public sealed class MetadataDocumentFetcher : IDisposable
{
    /// <summary>Addresses that are not public unicast ones (RFC 6890 and its IPv6 counterparts): never fetched from unless allow-listed.</summary>
    private static readonly IPNetwork[] NotPublic =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
            "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "64:ff9b::/96", "100::/64", "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
        }.Select(IPNetwork.Parse),
    ];

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

    /// <summary>The document at <paramref name="url"/> (an https URL), or why it cannot be used, for the error page.</summary>
    public async Task<OAuthResult<FetchedDocument>> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        if (url.Scheme != Uri.UriSchemeHttps)
        {
            return Refused("it is not an https URL");
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
                return Refused("it answered with a redirect, and redirects are not followed");
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return Refused($"it answered HTTP {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentType?.MediaType is not "application/json")
            {
                return Refused("it is not served as application/json");
            }

            if (response.Content.Headers.ContentLength > _options.MaxDocumentBytes)
            {
                return Refused($"it is larger than {_options.MaxDocumentBytes} bytes");
            }

            var body = await ReadLimitedAsync(response, deadline.Token);
            if (body is null)
            {
                return Refused($"it is larger than {_options.MaxDocumentBytes} bytes");
            }

            var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 8 });
            return new FetchedDocument(json, CacheLifetime(response));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Refused($"it did not arrive within {_options.FetchTimeout.TotalSeconds:0.#} seconds");
        }
        catch (HttpRequestException e) when (e.InnerException is AddressRefusedException refused)
        {
            return Refused(refused.Message);
        }
        catch (HttpRequestException)
        {
            return Refused("it could not be fetched");
        }
        catch (JsonException)
        {
            return Refused("it is not valid JSON");
        }
    }

    public void Dispose() => _http.Dispose();

    private static OAuthError Refused(string reason) => OAuthError.InvalidClient($"The client's metadata document cannot be used: {reason}.");

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

    private bool IsAllowed(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return _allowed.Any(n => n.Contains(address)) || !NotPublic.Any(n => n.Contains(address));
    }

    private sealed class AddressRefusedException(string reason) : Exception(reason);
}
