using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Protocol;

public sealed class PromptTests
{
    [Theory]
    [InlineData(null, false, false, false, "")]
    [InlineData("none", true, false, false, "none")]
    [InlineData("login", false, true, false, "login")]
    [InlineData("consent login", false, true, true, "login consent")]
    [InlineData("login  login", false, true, false, "login")]
    public void SupportedValues_AreRead_AndWrittenBackInOneOrder(string? value, bool none, bool login, bool consent, string written)
    {
        var prompt = Prompt.Parse(value);

        Assert.True(prompt.Succeeded);
        Assert.Equal(new Prompt(none, login, consent), prompt.Value);
        Assert.Equal(written, prompt.Value.ToString());
    }

    [Theory]
    [InlineData("select_account")]
    [InlineData("none login")]
    [InlineData("consent none")]
    [InlineData("NONE")]
    public void UnsupportedValues_OrNoneWithAnother_AreInvalidRequest(string value) =>
        Assert.Equal(OAuthErrorCodes.InvalidRequest, Prompt.Parse(value).Error?.Error);
}
