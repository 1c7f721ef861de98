using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Protocol;

public sealed class ScopeSetTests
{
    [Theory]
    [InlineData("read write", new[] { "read", "write" })]
    [InlineData("read read write", new[] { "read", "write" })]
    [InlineData("", new string[0])]
    [InlineData(null, new string[0])]
    public void Parse_SplitsOnSpaces_FoldingDuplicates(string? value, string[] expected)
    {
        Assert.Equal(expected, ScopeSet.Parse(value)!.Values);
    }

    [Theory]
    [InlineData("read  write")] // empty token
    [InlineData(" read")]
    [InlineData("read\"")] // %x22 is excluded
    [InlineData("read\\")] // %x5C is excluded
    [InlineData("réad")] // non-ASCII
    [InlineData("read\twrite")]
    public void Parse_RejectsWhatRfc6749Section3_3Excludes(string value)
    {
        Assert.Null(ScopeSet.Parse(value));
    }

    [Fact]
    public void IsSubsetOf_IsCaseSensitive()
    {
        var scope = ScopeSet.Parse("Read")!;

        Assert.False(scope.IsSubsetOf(["read"]));
        Assert.True(scope.IsSubsetOf(["Read", "write"]));
    }
}
