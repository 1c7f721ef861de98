using Serverless.OAuth.Endpoints.Validation;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Endpoints.Validation;

public sealed class PushedRequestUriTests
{
    [Fact]
    public void ANewRequestUri_Is256RandomBits_StoredOnlyByTheHashOfItsRandomPart()
    {
        var first = PushedRequestUri.New();
        var second = PushedRequestUri.New();

        Assert.StartsWith(PushedRequestUri.Prefix, first.Value, StringComparison.Ordinal);
        Assert.NotEqual(first.Value, second.Value);
        var random = first.Value[PushedRequestUri.Prefix.Length..];
        Assert.Equal(43, random.Length); // 32 bytes, base64url without padding
        Assert.Equal(SecretValues.Hash(random), first.Key);
        Assert.DoesNotContain(random, first.Key, StringComparison.Ordinal);
        Assert.Equal(first, PushedRequestUri.Parse(first.Value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("urn:ietf:params:oauth:request_uri:")]
    [InlineData("urn:ietf:params:oauth:request_uri:short")]
    [InlineData("https://client.example/request.jwt")]
    [InlineData("urn:ietf:params:oauth:request_uri:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("URN:IETF:PARAMS:OAUTH:REQUEST_URI:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void AnythingElse_IsNotOneOfOurs(string? value) => Assert.Null(PushedRequestUri.Parse(value));
}
