using Serverless.OAuth.Interaction;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Interaction;

public sealed class InteractionFormTests
{
    [Fact]
    public void Read_TakesTheTokenTheDecisionAndTheCredentials()
    {
        var form = InteractionForm.Read(OAuthParameters.From(
            ("csrf_token", "t"), ("decision", "allow"), ("username", "alice"), ("password", "pw"), ("client_id", "app")));

        Assert.Equal(new InteractionForm("t", "allow", "alice", "pw"), form);
    }

    [Theory]
    [InlineData("token", "token", true)]
    [InlineData("token", "other", false)]
    [InlineData("token", "tokeN", false)]
    [InlineData(null, "token", false)]
    [InlineData("token", null, false)]
    [InlineData(null, null, false)]
    public void OnlyAFieldThatMatchesTheCookie_CameFromOurPage(string? field, string? cookie, bool expected) =>
        Assert.Equal(expected, new InteractionForm(field, "allow", null, null).CameFromOurPage(cookie));
}
