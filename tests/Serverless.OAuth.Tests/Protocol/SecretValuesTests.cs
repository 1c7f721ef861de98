using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Protocol;

public sealed class SecretValuesTests
{
    [Fact]
    public void NewSecret_Has256BitsOfRandomness()
    {
        var secret = SecretValues.NewSecret();
        Span<byte> bytes = stackalloc byte[64];

        Assert.True(Base64Url.TryDecode(secret, bytes, out var length));
        Assert.Equal(32, length);
        Assert.NotEqual(secret, SecretValues.NewSecret());
    }

    [Theory]
    [InlineData("abc.def", true, "abc", "def")]
    [InlineData("abc", false, "", "")]
    [InlineData(".def", false, "", "")]
    [InlineData("abc.", false, "", "")]
    [InlineData("a.b.c", false, "", "")]
    [InlineData("ab/c.def", false, "", "")] // not a safe table key
    [InlineData("abc.de#f", false, "", "")]
    [InlineData(null, false, "", "")]
    public void TrySplit_AcceptsOnlyPartitionDotSecret(string? value, bool ok, string partition, string secret)
    {
        Assert.Equal(ok, SecretValues.TrySplit(value, out var p, out var s));
        if (ok)
        {
            Assert.Equal(partition, p);
            Assert.Equal(secret, s);
        }
    }

    [Fact]
    public void HashEquals_ComparesTheHashOfTheValue()
    {
        var hash = SecretValues.Hash("a.b");

        Assert.True(SecretValues.HashEquals(hash, "a.b"));
        Assert.False(SecretValues.HashEquals(hash, "a.c"));
        Assert.DoesNotContain("a.b", hash);
    }
}
