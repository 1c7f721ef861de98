using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Http;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Tests.Endpoints;

public sealed class EndpointHttpResultTests
{
    private static async Task<(HttpResponse Response, string Body)> ExecuteAsync(EndpointResult result, bool secure = false)
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        await new EndpointHttpResult(result, secure).ExecuteAsync(context);
        context.Response.Body.Position = 0;
        return (context.Response, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }

    [Theory]
    [InlineData("invalid_client", 401)]
    [InlineData("server_error", 500)]
    [InlineData("temporarily_unavailable", 503)]
    [InlineData("invalid_grant", 400)]
    [InlineData("invalid_request", 400)]
    [InlineData("unsupported_grant_type", 400)]
    public async Task OAuthErrors_MapToTheirStatus_WithNoStore(string code, int status)
    {
        var (response, body) = await ExecuteAsync(new OAuthErrorResult(new OAuthError(code, "why")));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, json.GetProperty("error").GetString());
        Assert.Equal("why", json.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task InvalidClient_CarriesABasicChallenge()
    {
        var (response, _) = await ExecuteAsync(new OAuthErrorResult(OAuthError.InvalidClient("no")));

        Assert.StartsWith("Basic realm=", response.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task BearerChallenge_EscapesQuotesInTheDescription()
    {
        var (response, _) = await ExecuteAsync(new BearerChallengeResult(OAuthError.InvalidToken("a \"quoted\" word"), "realm"));

        Assert.Equal(401, response.StatusCode);
        Assert.Equal("Bearer realm=\"realm\", error=\"invalid_token\", error_description=\"a \\\"quoted\\\" word\"", response.Headers.WWWAuthenticate.ToString());
    }

    [Fact]
    public async Task Pages_AreFramedByNothing_AndTheirCookieIsStrict_AndSecureOutsideDevelopment()
    {
        var (response, _) = await ExecuteAsync(new PageResult("<p>x</p>", CsrfCookie: "abc"), secure: true);

        Assert.Contains("frame-ancestors 'none'", response.Headers.ContentSecurityPolicy.ToString());
        var cookie = response.Headers.SetCookie.ToString();
        Assert.StartsWith("__Host-oauth_csrf=abc", cookie);
        Assert.Contains("secure", cookie);
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=strict", cookie);
    }

    [Fact]
    public async Task APage_WithItsOwnPolicy_GetsThatPolicy_NotTheNoScriptOne()
    {
        var (response, _) = await ExecuteAsync(new PageResult("<p>x</p>", ContentSecurityPolicy: "default-src 'none'; script-src 'self'"));

        Assert.Equal("default-src 'none'; script-src 'self'", response.Headers.ContentSecurityPolicy.ToString());
        Assert.Equal("DENY", response.Headers.XFrameOptions.ToString());
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
    }

    [Fact]
    public async Task AStaticFile_IsServedAsItsType_Revalidated_AndNotSniffed()
    {
        var (response, body) = await ExecuteAsync(new StaticFileResult("export {};", "text/javascript; charset=utf-8"));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("text/javascript; charset=utf-8", response.ContentType);
        Assert.Equal("no-cache", response.Headers.CacheControl.ToString());
        Assert.Equal("nosniff", response.Headers.XContentTypeOptions.ToString());
        Assert.Equal("export {};", body);
    }
}
