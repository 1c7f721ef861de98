using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Serverless.Demo;
using Serverless.Functions.Http;
using Serverless.OAuth.Http;
using Serverless.OAuth.Interaction;
using Serverless.Testing;

namespace Serverless.Functions.Tests;

/// <summary>Function methods called directly with a real HttpRequest reach the core and answer as it does.</summary>
public sealed class HttpFunctionTests : IAsyncLifetime
{
    private OAuthTestServices _services = null!;

    public async Task InitializeAsync() => _services = await OAuthTestServices.CreateAsync();

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task Metadata_AnswersTheRfc8414Document_LikeTheCore()
    {
        var request = Request("GET", "/.well-known/oauth-authorization-server");
        var response = await HttpExchange.ExecuteAsync(await Function<AuthorizationServerMetadataFunction>().RunAsync(request), request);

        Assert.Equal(StatusCodes.Status200OK, response.Status);
        Assert.StartsWith("application/json", response.Header("Content-Type"));
        Assert.Equal("public, max-age=3600", response.Header("Cache-Control"));
        using var document = JsonDocument.Parse(response.Body);
        Assert.Equal("http://localhost:7071", document.RootElement.GetProperty("issuer").GetString());
        Assert.Equal("http://localhost:7071/token", document.RootElement.GetProperty("token_endpoint").GetString());
        HttpExchange.AssertSame(await CoreAsync<MetadataHttpEndpoint>(static (e, r) => e.AuthorizationServerAsync(r), "GET", "/.well-known/oauth-authorization-server"), response);
    }

    [Fact]
    public async Task OpenIdConfiguration_IsTheCoresDiscoveryDocument()
    {
        var request = Request("GET", "/.well-known/openid-configuration");
        var response = await HttpExchange.ExecuteAsync(await Function<OpenIdConfigurationFunction>().RunAsync(request), request);

        Assert.Equal(StatusCodes.Status200OK, response.Status);
        Assert.Contains("\"userinfo_endpoint\"", response.Body, StringComparison.Ordinal);
        HttpExchange.AssertSame(await CoreAsync<MetadataHttpEndpoint>(static (e, r) => e.OpenIdConfigurationAsync(r), "GET", "/.well-known/openid-configuration"), response);
    }

    [Fact]
    public async Task Jwks_PublishesTheSigningKey_LikeTheCore()
    {
        var request = Request("GET", "/.well-known/jwks.json");
        var response = await HttpExchange.ExecuteAsync(await Function<JwksFunction>().RunAsync(request), request);

        Assert.Equal(StatusCodes.Status200OK, response.Status);
        using var document = JsonDocument.Parse(response.Body);
        var key = Assert.Single(document.RootElement.GetProperty("keys").EnumerateArray(), k => k.GetProperty("alg").GetString() == "ES256");
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.False(key.TryGetProperty("d", out _), "A JWKS must never carry the private key.");
        HttpExchange.AssertSame(await CoreAsync<MetadataHttpEndpoint>(static (e, r) => e.JwksAsync(r), "GET", "/.well-known/jwks.json"), response);
    }

    [Fact]
    public async Task Token_WithoutAGrantType_IsInvalidRequest400_LikeTheCore()
    {
        var request = Request("POST", "/token", form: "code=abc");
        var response = await HttpExchange.ExecuteAsync(await Function<TokenFunction>().RunAsync(request), request);

        Assert.Equal(StatusCodes.Status400BadRequest, response.Status);
        Assert.Equal("no-store", response.Header("Cache-Control"));
        using var document = JsonDocument.Parse(response.Body);
        Assert.Equal("invalid_request", document.RootElement.GetProperty("error").GetString());
        HttpExchange.AssertSame(await CoreAsync<TokenHttpEndpoint>(static (e, r) => e.HandleAsync(r), "POST", "/token", form: "code=abc"), response);
    }

    [Fact]
    public async Task Token_WithAJsonBody_IsInvalidRequest400()
    {
        var request = Request("POST", "/token");
        request.ContentType = "application/json";
        request.Body = new MemoryStream("{\"grant_type\":\"client_credentials\"}"u8.ToArray());
        var response = await HttpExchange.ExecuteAsync(await Function<TokenFunction>().RunAsync(request), request);

        Assert.Equal(StatusCodes.Status400BadRequest, response.Status);
        using var document = JsonDocument.Parse(response.Body);
        Assert.Equal("invalid_request", document.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Resource_WithoutAToken_Is401WithABareBearerChallenge_LikeTheCore()
    {
        var request = Request("GET", "/resource");
        var response = await HttpExchange.ExecuteAsync(await Function<ResourceFunction>().RunAsync(request), request);

        Assert.Equal(StatusCodes.Status401Unauthorized, response.Status);
        var challenge = response.Header("WWW-Authenticate");
        Assert.NotNull(challenge);
        Assert.StartsWith("Bearer realm=", challenge);
        Assert.DoesNotContain("error=", challenge);
        HttpExchange.AssertSame(await HandlerAsync<DemoHttpHandlers>(h => h.ResourceAsync, "GET", "/resource"), response);
    }

    [Fact]
    public async Task Resource_WithAForgedToken_Is401InvalidToken()
    {
        var request = Request("GET", "/resource", authorization: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
        var response = await HttpExchange.ExecuteAsync(await Function<ResourceFunction>().RunAsync(request), request);

        Assert.Equal(StatusCodes.Status401Unauthorized, response.Status);
        Assert.Contains("error=\"invalid_token\"", response.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task Resource_WithTwoAuthorizationHeaders_Is400InvalidRequest()
    {
        var request = Request("GET", "/resource");
        request.Headers.Authorization = new Microsoft.Extensions.Primitives.StringValues(["Bearer a", "Bearer b"]);
        var response = await HttpExchange.ExecuteAsync(await Function<ResourceFunction>().RunAsync(request), request);

        Assert.Equal(StatusCodes.Status400BadRequest, response.Status);
        Assert.Contains("error=\"invalid_request\"", response.Header("WWW-Authenticate"));
        Assert.Contains("The Authorization header was sent more than once.", response.Header("WWW-Authenticate"));
    }

    [Fact]
    public async Task Home_IsAnHtmlPage()
    {
        var request = Request("GET", "/");
        var response = await HttpExchange.ExecuteAsync(await Function<HomeFunction>().RunAsync(request), request);

        Assert.Equal(StatusCodes.Status200OK, response.Status);
        Assert.StartsWith("text/html", response.Header("Content-Type"));
        Assert.Contains(".well-known/oauth-authorization-server", response.Body);
    }

    [Fact]
    public async Task AFunction_ReturnsTheCoresResult_WhichTheWorkerExecutes()
    {
        var request = Request("GET", "/resource");
        Assert.IsType<EndpointHttpResult>(await Function<ResourceFunction>().RunAsync(request));
    }

    private HttpRequest Request(string method, string path, string? form = null, string? authorization = null) =>
        HttpExchange.Request(_services.Provider, method, path, form, authorization);

    private T Function<T>() => (T)_services.CreateFunction(typeof(T));

    /// <summary>What the core answers on its own: the endpoint's adapter, run as the local host runs it.</summary>
    private async Task<CapturedResponse> CoreAsync<TEndpoint>(
        Func<TEndpoint, HttpRequest, Task<Serverless.OAuth.Endpoints.EndpointResult>> handle, string method, string path, string? form = null)
        where TEndpoint : notnull
    {
        var request = Request(method, path, form);
        return await HttpExchange.ExecuteAsync(await _services.Get<EndpointRunner>().RunAsync(request, _services.Get<TEndpoint>(), handle), request);
    }

    private async Task<CapturedResponse> HandlerAsync<THandlers>(
        Func<THandlers, Func<HttpRequest, Task<IResult>>> handler, string method, string path, string? form = null)
        where THandlers : notnull
    {
        var request = Request(method, path, form);
        return await HttpExchange.ExecuteAsync(await handler(_services.Get<THandlers>())(request), request);
    }
}
