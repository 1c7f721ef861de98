using System.Net;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Tests.Clients.Registration;

/// <summary>The SSRF deny-list: every IANA special-purpose block, and the IPv6 spellings of IPv4 addresses.</summary>
public sealed class SpecialPurposeAddressesTests
{
    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("192.0.0.170")]
    [InlineData("192.31.196.1")]
    [InlineData("192.52.193.1")]
    [InlineData("192.88.99.1")]
    [InlineData("192.175.48.1")]
    [InlineData("198.19.255.255")]
    [InlineData("255.255.255.255")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("::127.0.0.1")] // IPv4-compatible
    [InlineData("::8.8.8.8")] // IPv4-compatible, deprecated whatever it embeds
    [InlineData("::ffff:127.0.0.1")] // IPv4-mapped
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:0:10.0.0.1")] // IPv4-translated
    [InlineData("::ffff:0:8.8.8.8")]
    [InlineData("64:ff9b::a9fe:a9fe")] // NAT64 of 169.254.169.254
    [InlineData("64:ff9b::808:808")] // NAT64 of a public address: the prefix is refused as a block
    [InlineData("64:ff9b:1::1")]
    [InlineData("100::1")]
    [InlineData("100:0:0:1::1")]
    [InlineData("2001::1")] // Teredo
    [InlineData("2001:2::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2002:a9fe:a9fe::1")] // 6to4
    [InlineData("2620:4f:8000::1")]
    [InlineData("3fff::1")]
    [InlineData("5f00::1")]
    [InlineData("fd00::1")]
    [InlineData("fe80::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    public void ASpecialPurposeAddress_IsNotPublic(string address) =>
        Assert.False(SpecialPurposeAddresses.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("20.42.0.1")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("2606:4700::1111")]
    [InlineData("2a01:111::1")]
    public void APublicAddress_IsPublic(string address) =>
        Assert.True(SpecialPurposeAddresses.IsPublic(IPAddress.Parse(address)), address);
}
