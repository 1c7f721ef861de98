using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Protocol;

public sealed class AuthorizationHeaderTests
{
    [Fact]
    public void AbsentHeader_IsEmpty() => Assert.Equal("", AuthorizationHeader.Read(StringValues.Empty).Value);

    [Fact]
    public void OneValue_IsThatValue() => Assert.Equal("Bearer x", AuthorizationHeader.Read("Bearer x").Value);

    [Fact]
    public void TwoValues_AreInvalidRequest()
    {
        var read = AuthorizationHeader.Read(new StringValues(["Bearer x", "Bearer x"]));

        Assert.False(read.Succeeded);
        Assert.Equal(OAuthErrorCodes.InvalidRequest, read.Error.Error);
    }

    /// <summary>Repeats a proxy joined into one line (the Functions host's forwarder does) are the header sent twice.</summary>
    [Theory]
    [InlineData("Bearer x, Bearer x")]
    [InlineData("Bearer x,Bearer y")]
    [InlineData("DPoP x, Bearer y")]
    [InlineData("Basic YTpi, Basic YzpkZA==")]
    public void TwoCredentials_JoinedByAProxy_AreInvalidRequest(string joined)
    {
        var read = AuthorizationHeader.Read(joined);

        Assert.False(read.Succeeded);
        Assert.Equal(OAuthErrorCodes.InvalidRequest, read.Error.Error);
    }

    /// <summary>One set of credentials with commas in it is left to its scheme's reader: auth-params, or a bad token.</summary>
    [Theory]
    [InlineData("Digest username=\"a\", realm=\"b\"")]
    [InlineData("Bearer a,b")]
    [InlineData("Bearer x,")]
    public void OneCredentials_WithACommaInIt_IsReadAsSent(string value) => Assert.Equal(value, AuthorizationHeader.Read(value).Value);
}
