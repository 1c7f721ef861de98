using Microsoft.AspNetCore.WebUtilities;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Protocol;

public sealed class RedirectQueryTests
{
    [Fact]
    public void Build_KeepsTheRegisteredQuery_AndLeavesNullsOut()
    {
        Assert.Equal("https://app.example/cb?code=a%20b&state=s", RedirectQuery.Build("https://app.example/cb", ("code", "a b"), ("iss", null), ("state", "s")));
        Assert.Equal("https://app.example/cb?tenant=1&code=c", RedirectQuery.Build("https://app.example/cb?tenant=1", ("code", "c")));
        Assert.Equal("https://app.example/cb", RedirectQuery.Build("https://app.example/cb", ("state", null)));
    }

    [Fact]
    public void Encode_EscapesNamesAndValues_SoAStoredRequestReadsBackAsItWas()
    {
        (string Name, string? Value)[] request =
            [("scope", "openid read"), ("resource", "https://a.example/"), ("resource", "https://b.example/?x=1&y=2"), ("odd&name=", "v")];

        var parsed = QueryHelpers.ParseQuery(RedirectQuery.Encode(request));

        Assert.Equal(["scope", "resource", "odd&name="], parsed.Keys);
        Assert.Equal<string>(["https://a.example/", "https://b.example/?x=1&y=2"], parsed["resource"].Select(v => v!));
        Assert.Equal("openid read", parsed["scope"].ToString());
        Assert.Equal("v", parsed["odd&name="].ToString());
    }
}
