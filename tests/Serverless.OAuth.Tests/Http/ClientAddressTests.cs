using System.Net;
using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Http;

namespace Serverless.OAuth.Tests.Http;

public sealed class ClientAddressTests
{
    private static HttpRequest Request(string? forwardedFor, string connection = "10.0.0.4")
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(connection);
        if (forwardedFor is not null)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        return context.Request;
    }

    [Theory]
    [InlineData("203.0.113.7", 1, "203.0.113.7")]
    [InlineData("198.51.100.1, 203.0.113.7", 1, "203.0.113.7")] // the client wrote the left entry; the front end appended the right one
    [InlineData("198.51.100.1, 203.0.113.7", 2, "198.51.100.1")]
    [InlineData("203.0.113.7:52114", 1, "203.0.113.7")]
    [InlineData("[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", 1, "2001:db8:1:2::")]
    [InlineData("::ffff:203.0.113.7", 1, "203.0.113.7")]
    [InlineData("203.0.113.7", 2, "10.0.0.4")] // fewer entries than trusted hops: the connection's
    [InlineData("not an address", 1, "10.0.0.4")]
    [InlineData("203.0.113.7", 0, "10.0.0.4")] // the header is not trusted at all
    [InlineData(null, 1, "10.0.0.4")]
    public void TheTrustedHop_OrTheConnection_IsTheAddress(string? forwardedFor, int hops, string expected) =>
        Assert.Equal(expected, ClientAddress.From(Request(forwardedFor), hops));

    [Fact]
    public void AddressesInOneIpv6Slash64_AreOneAddress_SoRotatingThroughItBuysNothing()
    {
        Assert.Equal(
            ClientAddress.From(Request("2001:db8:1:2::1"), 1),
            ClientAddress.From(Request("2001:db8:1:2:ffff:ffff:ffff:fffe"), 1));
        Assert.NotEqual(
            ClientAddress.From(Request("2001:db8:1:2::1"), 1),
            ClientAddress.From(Request("2001:db8:1:3::1"), 1));
    }
}
