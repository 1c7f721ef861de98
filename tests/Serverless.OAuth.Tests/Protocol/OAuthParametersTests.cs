using Microsoft.Extensions.Primitives;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Protocol;

public sealed class OAuthParametersTests
{
    [Fact]
    public void RepeatedParameter_IsAStructuralError()
    {
        var parameters = OAuthParameters.From([new KeyValuePair<string, StringValues>("scope", new StringValues(["a", "b"]))]);

        Assert.Equal("invalid_request", parameters.StructuralError?.Error);
        Assert.Contains("scope", parameters.StructuralError!.Description);
    }

    [Fact]
    public void EveryRepeatedName_IsRecorded_NotOnlyTheFirst()
    {
        var parameters = OAuthParameters.From(
        [
            new KeyValuePair<string, StringValues>("zz", new StringValues(["1", "2"])),
            new KeyValuePair<string, StringValues>("client_id", "app"),
            new KeyValuePair<string, StringValues>("redirect_uri", new StringValues(["https://a.example/cb", "https://evil.example/"])),
        ]);

        Assert.True(parameters.IsRepeated("zz"));
        Assert.True(parameters.IsRepeated("redirect_uri"));
        Assert.False(parameters.IsRepeated("client_id"));
        Assert.Contains("zz", parameters.StructuralError!.Description);
    }

    [Fact]
    public void EmptyValues_AreTreatedAsOmitted()
    {
        var parameters = OAuthParameters.From(("state", ""), ("scope", "read"));

        Assert.Null(parameters["state"]);
        Assert.Equal("read", parameters["scope"]);
        Assert.Null(parameters.StructuralError);
    }

    [Fact]
    public void OversizedValue_IsAStructuralError()
    {
        var parameters = OAuthParameters.From(("state", new string('x', OAuthParameters.MaxValueLength + 1)));

        Assert.Equal("invalid_request", parameters.StructuralError?.Error);
    }

    [Fact]
    public void ErrorDescription_NeverEchoesCharactersRfc6749Forbids()
    {
        var name = "a\"b\\c\u00e9\r\n" + new string('z', 100);
        var parameters = OAuthParameters.From([new KeyValuePair<string, StringValues>(name, new StringValues(["1", "2"]))]);

        var description = parameters.StructuralError!.Description!;
        Assert.All(description, c => Assert.True(c is >= (char)0x20 and <= (char)0x7E && c != '"' && c != '\\', $"char {(int)c}"));
        Assert.True(description.Length < 100);
    }
}
