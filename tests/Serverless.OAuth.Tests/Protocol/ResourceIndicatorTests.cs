using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Protocol;

/// <summary>RFC 3986 §6.2.2-6.2.3: the spellings of one API identifier that name the same resource, and the ones that do not.</summary>
public sealed class ResourceIndicatorTests
{
    [Theory]
    [InlineData("https://mcp.example.com", "https://mcp.example.com/")]
    [InlineData("https://mcp.example.com/", "https://mcp.example.com/")]
    [InlineData("HTTPS://MCP.EXAMPLE.COM", "https://mcp.example.com/")]
    [InlineData("https://mcp.example.com:443", "https://mcp.example.com/")]
    [InlineData("https://mcp.example.com:443/", "https://mcp.example.com/")]
    [InlineData("https://mcp.example.com:/", "https://mcp.example.com/")]
    [InlineData("http://127.0.0.1:80/mcp", "http://127.0.0.1/mcp")]
    [InlineData("http://127.0.0.1:8080/mcp", "http://127.0.0.1:8080/mcp")]
    [InlineData("https://Mcp.Example.com/Tools/%7euser/%2fa%2F", "https://mcp.example.com/Tools/~user/%2Fa%2F")]
    [InlineData("https://mcp.example.com/a/./b/../c", "https://mcp.example.com/a/c")]
    [InlineData("https://mcp.example.com?x=%3d", "https://mcp.example.com/?x=%3D")]
    [InlineData("https://[::1]:443/mcp", "https://[::1]/mcp")]
    [InlineData("URN:Example:API", "urn:Example:API")]
    public void TheNormalForm_FollowsRfc3986(string spelling, string normal) =>
        Assert.Equal(normal, ResourceIndicator.NormalForm(spelling));

    [Theory]
    [InlineData("https://mcp.example.com", "https://mcp.example.com/")]
    [InlineData("https://mcp.example.com", "HTTPS://MCP.Example.COM:443")]
    [InlineData("https://mcp.example.com/mcp", "https://MCP.example.com:443/mcp")]
    [InlineData("https://mcp.example.com/a%2fb", "https://mcp.example.com/a%2Fb")]
    public void EquivalentSpellings_AreEqual(string a, string b) =>
        Assert.True(ResourceIndicator.Comparer.Equals(a, b) && ResourceIndicator.Comparer.GetHashCode(a) == ResourceIndicator.Comparer.GetHashCode(b));

    [Theory]
    [InlineData("https://mcp.example.com/mcp", "https://mcp.example.com/mcp/")]
    [InlineData("https://mcp.example.com/mcp", "https://mcp.example.com/MCP")]
    [InlineData("https://mcp.example.com", "http://mcp.example.com")]
    [InlineData("https://mcp.example.com", "https://mcp.example.com:8443")]
    [InlineData("https://mcp.example.com", "https://mcp.example.com.")]
    [InlineData("https://mcp.example.com/a%2fb", "https://mcp.example.com/a/b")]
    [InlineData("https://mcp.example.com/?a=1", "https://mcp.example.com/?A=1")]
    [InlineData("http://mcp.example.com:443", "http://mcp.example.com")]
    public void OtherSpellings_AreNotEqual(string a, string b) =>
        Assert.False(ResourceIndicator.Comparer.Equals(a, b));
}
