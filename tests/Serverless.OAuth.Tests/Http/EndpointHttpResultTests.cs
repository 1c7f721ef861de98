using System.Text.Json;
using Serverless.OAuth.Infrastructure.Signing;
using Serverless.OAuth.Grants.Tokens;
using Microsoft.AspNetCore.Http;
using Serverless.OAuth.Endpoints;
using Serverless.OAuth.Http;
using Serverless.OAuth.Interaction.Pages;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Interaction;

namespace Serverless.OAuth.Tests.Http;

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
        var (response, _) = await ExecuteAsync(new HtmlPage(Html.Of($"<p>x</p>"), CsrfCookie: "abc"), secure: true);

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
        var (response, _) = await ExecuteAsync(new HtmlPage(Html.Of($"<p>x</p>"), ContentSecurityPolicy: "default-src 'none'; script-src 'self'"));

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

    public static TheoryData<string, EndpointResult, string> Bodies() => new()
    {
        { "token", new JsonBody(new TokenResponse("at", "Bearer", 300, "read", null)), """{"access_token":"at","token_type":"Bearer","expires_in":300,"scope":"read"}""" },
        { "error", new OAuthErrorResult(OAuthError.InvalidGrant("expired")), """{"error":"invalid_grant","error_description":"expired"}""" },
        { "error without description", new OAuthErrorResult(new OAuthError("invalid_grant", null)), """{"error":"invalid_grant"}""" },
        { "inactive", new JsonBody(IntrospectionResponse.Inactive), """{"active":false}""" },
        {
            "active refresh token",
            new JsonBody(new IntrospectionResponse(true) { TokenType = "refresh_token", Scope = "read", ClientId = "app", Subject = "s", Issuer = "https://as/", ExpiresAt = 9 }),
            """{"active":true,"token_type":"refresh_token","scope":"read","client_id":"app","sub":"s","iss":"https://as/","exp":9}"""
        },
        { "revoked", new JsonBody(EmptyResponse.Instance), "{}" },
        { "resource", new JsonBody(new ResourceResponse("Hi <you>", "s", "app", "read", 9)), """{"message":"Hi \u003Cyou\u003E","sub":"s","client_id":"app","scope":"read","expires_at":9}""" },
        {
            "jwks",
            new JsonBody(new JsonWebKeySet([new PublicJsonWebKey { KeyType = "EC", KeyId = "k1", Algorithm = "ES256", Curve = "P-256", X = "x", Y = "y" }])),
            """{"keys":[{"kty":"EC","use":"sig","kid":"k1","alg":"ES256","crv":"P-256","x":"x","y":"y"}]}"""
        },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task EveryBody_IsWrittenByItsGeneratedSerializer_WithoutItsNullMembers(string name, EndpointResult result, string expected)
    {
        var (response, body) = await ExecuteAsync(result);

        Assert.True(expected == body, name + ": " + body);
        Assert.Equal("application/json; charset=utf-8", response.ContentType);
        Assert.Equal(body.Length, response.ContentLength);
    }

    [Fact]
    public async Task ABodyWithoutAGeneratedSerializer_IsABug_NotAReflectionFallback()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ExecuteAsync(new JsonBody(new Dictionary<string, object> { ["a"] = 1 })));

        Assert.Contains("OAuthJsonContext", error.Message);
    }

    [Fact]
    public async Task AnEncodedPage_IsWrittenAsBuilt()
    {
        var (response, body) = await ExecuteAsync(new HtmlPage(Html.Of($"<p>{"<b>"}</p>")));

        Assert.Equal("<p>&lt;b&gt;</p>", body);
        Assert.Equal("text/html; charset=utf-8", response.ContentType);
    }
}
