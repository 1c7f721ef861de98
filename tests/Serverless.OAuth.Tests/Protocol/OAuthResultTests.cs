using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Protocol;

public sealed class OAuthResultTests
{
    [Fact]
    public void AValue_Succeeds_WithoutAnError()
    {
        OAuthResult<string> result = "read";

        Assert.True(result.Succeeded);
        Assert.Equal("read", result.Value);
        Assert.Null(result.Error);
    }

    [Fact]
    public void AnError_Fails_WithoutAValue()
    {
        OAuthResult<string> result = OAuthError.InvalidScope("too wide");

        Assert.False(result.Succeeded);
        Assert.Null(result.Value);
        Assert.Equal(OAuthErrorCodes.InvalidScope, result.Error.Error);
    }

    [Fact]
    public void NeitherSideMayBeNull()
    {
        Assert.Throws<ArgumentNullException>(() => { OAuthResult<string> result = (string)null!; });
        Assert.Throws<ArgumentNullException>(() => { OAuthResult<string> result = (OAuthError)null!; });
    }

    [Fact]
    public void RedirectedTo_KeepsTheErrorAndSaysWhereItGoes()
    {
        var error = OAuthError.AccessDenied("denied").RedirectedTo("https://app.example/cb", "xyz");

        Assert.Equal(OAuthErrorCodes.AccessDenied, error.Error);
        Assert.Equal("denied", error.Description);
        Assert.Equal(new ErrorRedirect("https://app.example/cb", "xyz"), error.Redirect);
        Assert.Null(OAuthError.AccessDenied("denied").Redirect);
    }
}
