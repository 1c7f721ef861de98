using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Serverless.OAuth.Http;

/// <summary>
/// The address a request came from, for the per-address throttle: the connection's (in Azure Functions, what the
/// worker took from the front end's X-Forwarded-For entry), or, with <c>hops</c> trusted proxies in front, the entry
/// the outermost of them appended (the <c>hops</c>-th from the right; entries further left are whatever the client
/// sent). IPv6 addresses are reduced to their /64, the block one subscriber typically holds, so rotating through it
/// does not buy fresh attempts; an IPv4-mapped address counts as the IPv4 address.
/// </summary>
public static class ClientAddress
{
    public static string? From(HttpRequest request, int hops)
    {
        var address = hops > 0 && FromForwardedFor(request.Headers["X-Forwarded-For"], hops) is { } forwarded
            ? forwarded
            : request.HttpContext.Connection.RemoteIpAddress;
        return address is null ? null : Normalize(address);
    }

    public static string Normalize(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes).ToString();
    }

    private static IPAddress? FromForwardedFor(Microsoft.Extensions.Primitives.StringValues headers, int hops)
    {
        // Several headers count as one comma-separated list, in order (RFC 9110 §5.3).
        var entries = headers.SelectMany(h => (h ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();
        if (entries.Length < hops)
        {
            return null;
        }

        // Entries may carry a port ("203.0.113.7:52114", "[2001:db8::1]:443").
        var entry = entries[^hops];
        return IPEndPoint.TryParse(entry, out var endpoint) ? endpoint.Address : IPAddress.TryParse(entry, out var address) ? address : null;
    }
}
