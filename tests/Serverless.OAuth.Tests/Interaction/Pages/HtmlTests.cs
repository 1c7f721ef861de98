using Serverless.OAuth.Interaction.Pages;

namespace Serverless.OAuth.Tests.Interaction.Pages;

public sealed class HtmlTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("\" onfocus=\"x", "&quot; onfocus=&quot;x")]
    [InlineData("it's & more", "it&#x27;s &amp; more")]
    [InlineData(null, "")]
    public void EveryValueInAHole_IsEncoded_InTextAndInAttributes(string? value, string encoded)
    {
        Assert.Equal($"<p title=\"{encoded}\">{encoded}</p>", Html.Of($"<p title=\"{value}\">{value}</p>").ToString());
    }

    [Fact]
    public void HtmlInAHole_IsKept_NotEncodedTwice()
    {
        var inner = Html.Of($"<b>{"a & b"}</b>");

        Assert.Equal("<p><b>a &amp; b</b></p>", Html.Of($"<p>{inner}</p>").ToString());
    }

    [Fact]
    public void JoinAndEmpty_ComposeFragments()
    {
        var items = Html.Join(new[] { "a<", "b" }.Select(x => Html.Of($"<li>{x}</li>")));

        Assert.Equal("<ul><li>a&lt;</li><li>b</li></ul>", Html.Of($"<ul>{items}{Html.Empty}</ul>").ToString());
        Assert.Equal("", Html.Empty.ToString());
    }
}
