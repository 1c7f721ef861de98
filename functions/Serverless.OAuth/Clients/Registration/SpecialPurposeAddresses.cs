using System.Net;

namespace Serverless.OAuth.Clients.Registration;

/// <summary>
/// Whether an address is a public unicast one, the only kind the server fetches a client's document from unless the
/// operator allow-lists it (SSRF). Every block of the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890
/// and its updates) is refused, whatever the registry says of its global reachability: a client_id has no business
/// naming any of them. Multicast, the reserved 240.0.0.0/4 and the deprecated site-local fec0::/10 too. IPv6 forms that
/// carry an IPv4 address are refused as blocks, not looked through: IPv4-compatible (::a.b.c.d, deprecated),
/// IPv4-translated (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96, 64:ff9b:1::/48), 6to4 and Teredo; an IPv4-mapped address
/// (::ffff:a.b.c.d) is the IPv4 address it maps, checked as such.
/// </summary>
public static class SpecialPurposeAddresses
{
    private static readonly IPNetwork[] IPv4 =
    [
        .. new[]
        {
            "0.0.0.0/8",          // "this network" (RFC 791)
            "10.0.0.0/8",         // private (RFC 1918)
            "100.64.0.0/10",      // shared address space, carrier-grade NAT (RFC 6598)
            "127.0.0.0/8",        // loopback (RFC 1122)
            "169.254.0.0/16",     // link-local, cloud metadata services (RFC 3927)
            "172.16.0.0/12",      // private (RFC 1918)
            "192.0.0.0/24",       // IETF protocol assignments, DS-Lite, NAT64 discovery (RFC 6890, 7335, 7050, 8880)
            "192.0.2.0/24",       // documentation TEST-NET-1 (RFC 5737)
            "192.31.196.0/24",    // AS112-v4 (RFC 7535)
            "192.52.193.0/24",    // AMT (RFC 7450)
            "192.88.99.0/24",     // deprecated 6to4 relay anycast (RFC 7526)
            "192.168.0.0/16",     // private (RFC 1918)
            "192.175.48.0/24",    // direct delegation AS112 service (RFC 7534)
            "198.18.0.0/15",      // benchmarking (RFC 2544)
            "198.51.100.0/24",    // documentation TEST-NET-2 (RFC 5737)
            "203.0.113.0/24",     // documentation TEST-NET-3 (RFC 5737)
            "224.0.0.0/4",        // multicast (RFC 5771)
            "240.0.0.0/4",        // reserved, and the limited broadcast 255.255.255.255 (RFC 1112, 919)
        }.Select(IPNetwork.Parse),
    ];

    private static readonly IPNetwork[] IPv6 =
    [
        .. new[]
        {
            "::/96",              // unspecified, loopback and IPv4-compatible addresses (RFC 4291 §2.5.5.1, deprecated)
            "::ffff:0:0:0/96",    // IPv4-translated addresses (RFC 2765 §2.1, SIIT)
            "64:ff9b::/96",       // NAT64 well-known prefix (RFC 6052)
            "64:ff9b:1::/48",     // NAT64 local-use prefix (RFC 8215)
            "100::/64",           // discard-only (RFC 6666)
            "100:0:0:1::/64",     // dummy IPv6 prefix (RFC 9780)
            "2001::/23",          // IETF protocol assignments: Teredo, benchmarking, AMT, AS112, ORCHID, DETs (RFC 2928)
            "2001:db8::/32",      // documentation (RFC 3849)
            "2002::/16",          // 6to4 (RFC 3056)
            "2620:4f:8000::/48",  // direct delegation AS112 service (RFC 7534)
            "3fff::/20",          // documentation (RFC 9637)
            "5f00::/16",          // segment routing SIDs (RFC 9602)
            "fc00::/7",           // unique local (RFC 4193)
            "fe80::/10",          // link-local (RFC 4291)
            "fec0::/10",          // site-local, deprecated (RFC 3879)
            "ff00::/8",           // multicast (RFC 4291)
        }.Select(IPNetwork.Parse),
    ];

    /// <summary>True for a public unicast address; false for any address of a special-purpose block.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return !(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? IPv4 : IPv6).Any(n => n.Contains(address));
    }
}
