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
}
