using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Interaction;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Endpoints.Validation;

namespace Serverless.OAuth.Tests.Interaction;

public sealed class AuthorizationResponseTests
{
    private const string Issuer = "https://as.example/";

    [Fact]
    public void TheCode_GoesToTheRedirectUri_WithStateAndIssuer()
    {
        var result = AuthorizationResponse.Code(ConsentStepTests.Request, "c0de", Issuer);

        Assert.Equal("https://app.example/cb?code=c0de&state=xyz&iss=https%3A%2F%2Fas.example%2F", Assert.IsType<RedirectTo>(result).Location);
    }

    [Fact]
    public void AnError_WithAVerifiedRedirectUri_IsRedirected_KeepingItsRegisteredQuery()
    {
        var error = OAuthError.AccessDenied("No & no.").RedirectedTo("https://app.example/cb?tenant=a", null);

        var result = AuthorizationResponse.Error(error, Issuer);

        Assert.Equal(
            "https://app.example/cb?tenant=a&error=access_denied&error_description=No%20%26%20no.&iss=https%3A%2F%2Fas.example%2F",
            Assert.IsType<RedirectTo>(result).Location);
    }

    /// <summary>An error page answers with the error's own status, as its JSON form would (the server's failures are not 400s), but challenges no one: an unknown client is a 400.</summary>
    [Theory]
    [InlineData(OAuthErrorCodes.InvalidRequest, 400)]
    [InlineData(OAuthErrorCodes.InvalidClient, 400)]
    [InlineData(OAuthErrorCodes.TemporarilyUnavailable, 503)]
    [InlineData(OAuthErrorCodes.ServerError, 500)]
    public void AnErrorPage_HasTheErrorsStatus(string code, int status)
    {
        var page = Assert.IsType<HtmlPage>(AuthorizationResponse.Error(new OAuthError(code, "Not now."), Issuer));

        Assert.Equal(status, page.Status);
        Assert.Equal(code, page.Failure?.Error);
    }

    [Fact]
    public void AnError_WithoutAVerifiedRedirectUri_IsAPage_NeverARedirect()
    {
        var error = OAuthError.InvalidRequest("Unknown <client>.");

        var page = Assert.IsType<HtmlPage>(AuthorizationResponse.Error(error, Issuer));

        Assert.Equal(400, page.Status);
        Assert.Contains("Unknown &lt;client&gt;.", page.Body.ToString());
        Assert.Null(page.CsrfCookie);
    }
}
