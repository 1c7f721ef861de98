using System.Text.RegularExpressions;

namespace Serverless.Demo.Tests;

/// <summary>The demo client's files are embedded, and its page fits its own policy: nothing inline for the policy to refuse.</summary>
public sealed class DemoClientFilesTests
{
    [Fact]
    public void ThePage_LoadsItsScriptAndStylesheetFromTheDemoRoutes_AndHasNoInlineScriptOrStyle()
    {
        var page = DemoClientFiles.Page;

        Assert.Contains("<script type=\"module\" src=\"/demo/app.js\"></script>", page);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/demo/app.css\">", page);
        Assert.DoesNotContain("<style", page);
        Assert.DoesNotContain(" style=", page);
        Assert.DoesNotMatch(@"\son[a-z]+=", page);
        Assert.Single(Regex.Matches(page, "<script"));
    }

    [Fact]
    public void TheScriptAndStylesheet_AreEmbedded()
    {
        Assert.Contains("code_challenge_method: 'S256'", DemoClientFiles.Script);
        Assert.Contains(".diagram", DemoClientFiles.Stylesheet);
    }

    [Theory]
    [InlineData("default-src 'none'")]
    [InlineData("script-src 'self'")]
    [InlineData("connect-src 'self'")]
    [InlineData("frame-ancestors 'none'")]
    [InlineData("require-trusted-types-for 'script'")]
    public void ThePolicy_AllowsOnlyThisOrigin(string directive)
    {
        Assert.Contains(directive, DemoClientFiles.ContentSecurityPolicy);
        Assert.DoesNotContain("unsafe", DemoClientFiles.ContentSecurityPolicy);
    }
}
