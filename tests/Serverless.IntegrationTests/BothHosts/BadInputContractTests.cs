using System.Net;
using System.Text;
using System.Text.Json;

using Microsoft.Extensions.DependencyInjection;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// A table-driven corpus of bad requests to every endpoint, over HTTP. Every answer must be a documented 4xx (an OAuth
/// error, or the error page for /authorize), never a 500, never a stack trace, never a redirect to an unregistered URI.
/// Asked of both hosts: the worker reads bodies, queries and headers through the Functions integration, not Kestrel alone.
/// </summary>
public abstract class BadInputContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    public const string Redirect = "http://127.0.0.1:9/callback";
    private const string Form = "application/x-www-form-urlencoded";
    private static readonly string Challenge = Serverless.OAuth.Protocol.Pkce.ComputeChallenge(new string('v', 43));
    private static readonly string[] OAuthErrors =
    [
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
        "unsupported_token_type", "invalid_token", "insufficient_scope", "invalid_target", "invalid_redirect_uri", "invalid_client_metadata",
    ];

    /// <summary>What the fixtures start with: registration and metadata documents on, so their endpoints answer too.</summary>
    public static Dictionary<string, string?> Settings => new(DynamicRegistrationSettings.Enabled) { ["OAuth:ClientMetadataDocuments:Enabled"] = "true" };

    /// <summary>The one client the corpus names, added once per server.</summary>
    public static async Task<IOAuthTestServer> SeedAsync(IOAuthTestServer server)
    {
        await server.AddPublicClientAsync("bad-input-client", redirectUris: Redirect);
        return server;
    }

    private IOAuthTestServer Server => fixture.Server;

    /// <param name="ErrorPage">The answer must be an error page (400, HTML, no redirect): for a redirect URI that is
    /// not the registered one, a login page would be as wrong as a redirect.</param>
    public sealed record Case(string Name, HttpMethod Method, string Path, string? ContentType = null, byte[]? Body = null, (string, string)[]? Headers = null, bool ErrorPage = false)
    {
        public override string ToString() => Name;
    }

    private static string Authorize(string query) =>
        "authorize?response_type=code&client_id=bad-input-client&code_challenge_method=S256&code_challenge=" + Challenge + "&" + query;

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    public static TheoryData<Case> Corpus()
    {
        var big = new string('a', 70_000);
        var data = new TheoryData<Case>();
        foreach (var path in new[] { "token", "revoke", "introspect" })
        {
            data.Add(new($"{path}: empty body", HttpMethod.Post, path, Form, []));
            data.Add(new($"{path}: no content type", HttpMethod.Post, path, null, Ascii("grant_type=client_credentials")));
            data.Add(new($"{path}: JSON instead of a form", HttpMethod.Post, path, "application/json", Ascii("{\"grant_type\":\"client_credentials\",\"token\":\"x\"}")));
            data.Add(new($"{path}: text/plain", HttpMethod.Post, path, "text/plain", Ascii("grant_type=client_credentials")));
            data.Add(new($"{path}: multipart", HttpMethod.Post, path, "multipart/form-data; boundary=x", Ascii("--x\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc\r\n--x--\r\n")));
            data.Add(new($"{path}: huge body", HttpMethod.Post, path, Form, Ascii("token=" + big)));
            data.Add(new($"{path}: oversized parameter", HttpMethod.Post, path, Form, Ascii("grant_type=client_credentials&client_id=bad-input-client&token=" + new string('t', 5000))));
            data.Add(new($"{path}: invalid UTF-8", HttpMethod.Post, path, Form, [.. Ascii("grant_type=authorization_code&client_id=%FF%FE&token=%FF%FE&code="), 0xC3, 0x28]));
            data.Add(new($"{path}: repeated parameters", HttpMethod.Post, path, Form, Ascii("client_id=bad-input-client&client_id=bad-input-client&token=a&token=b&grant_type=refresh_token")));
            data.Add(new($"{path}: many parameters", HttpMethod.Post, path, Form, Ascii(string.Join('&', Enumerable.Range(0, 500).Select(i => $"p{i}=1")))));
            data.Add(new($"{path}: garbage Basic", HttpMethod.Post, path, Form, Ascii("token=x&grant_type=client_credentials"), [("Authorization", "Basic ????")]));
            data.Add(new($"{path}: Basic with a NUL", HttpMethod.Post, path, Form, Ascii("token=x&grant_type=client_credentials"), [("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bad-input-client\0:x")))]));
            data.Add(new($"{path}: unknown auth scheme", HttpMethod.Post, path, Form, Ascii("token=x&grant_type=client_credentials"), [("Authorization", "Digest x")]));
            data.Add(new($"{path}: control characters", HttpMethod.Post, path, Form, Ascii("grant_type=refresh%00&client_id=bad-input-client&refresh_token=%0D%0Ax&token=%00")));
            data.Add(new($"{path}: GET", HttpMethod.Get, path));
        }

        data.Add(new("token: code with a NUL", HttpMethod.Post, "token", Form, Ascii("grant_type=authorization_code&client_id=bad-input-client&code=a%00.b&redirect_uri=" + Uri.EscapeDataString(Redirect) + "&code_verifier=" + new string('v', 43))));
        data.Add(new("token: verifier too long", HttpMethod.Post, "token", Form, Ascii("grant_type=authorization_code&client_id=bad-input-client&code=a.b&redirect_uri=" + Uri.EscapeDataString(Redirect) + "&code_verifier=" + new string('v', 500))));
        data.Add(new("token: unknown grant with a huge scope", HttpMethod.Post, "token", Form, Ascii("grant_type=urn:x&scope=" + new string('s', 4000))));

        foreach (var redirect in new[]
        {
            "http://127.0.0.1:9@evil.example/callback", // userinfo
            "http://evil.example@127.0.0.1:9/callback",
            "http://127.0.0.1:9/callback/../evil", // path traversal
            "http://127.0.0.1:9/callback/%2e%2e/evil",
            "http://127.0.0.1:9/callback#@evil.example", // fragment
            "HTTP://127.0.0.1:9/callback", // case
            "http://127.0.0.1:9/CALLBACK",
            "https://evil.example/callback", // open redirect via an unregistered URI
            "//evil.example/callback",
            "javascript:alert(1)",
            "http://127.0.0.1:9/callback\r\nLocation: https://evil.example",
            "http://127.0.0.1:9/callback%0d%0aSet-Cookie:%20a=b",
            "",
        })
        {
            data.Add(new($"authorize: redirect_uri '{redirect.Replace("\r\n", "\\r\\n", StringComparison.Ordinal)}'", HttpMethod.Get, Authorize("redirect_uri=" + Uri.EscapeDataString(redirect)), ErrorPage: true));
        }

        var registered = "redirect_uri=" + Uri.EscapeDataString(Redirect);
        data.Add(new("authorize: header injection in state", HttpMethod.Get, Authorize(registered + "&state=" + Uri.EscapeDataString("x\r\nSet-Cookie: a=b\r\nLocation: https://evil.example"))));
        data.Add(new("authorize: oversized state", HttpMethod.Get, Authorize(registered + "&state=" + new string('s', 5000))));
        data.Add(new("authorize: invalid UTF-8 in the query", HttpMethod.Get, Authorize(registered + "&state=%FF%FE%C3%28&scope=%C0%AF")));
        data.Add(new("authorize: repeated redirect_uri", HttpMethod.Get, Authorize(registered + "&" + registered)));
        data.Add(new("authorize: repeated state", HttpMethod.Get, Authorize(registered + "&state=a&state=b")));
        data.Add(new("authorize: NUL in client_id", HttpMethod.Get, "authorize?client_id=bad%00input&" + registered));
        data.Add(new("authorize: unknown client", HttpMethod.Get, "authorize?client_id=../../etc&" + registered));
        data.Add(new("authorize: no parameters", HttpMethod.Get, "authorize"));
        foreach (var document in new[]
        {
            "https://10.0.0.1/client.json", // private addresses are never fetched from
            "https://127.0.0.1:1/client.json",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/client.json",
            "https://[::ffff:192.168.0.1]/client.json",
            "https://10.0.0.1/a/../client.json", // not canonical
            "https://10.0.0.1/", // no path
            "https://10.0.0.1/client.json#x",
            "https://10.0.0.1/" + new string('a', 3000),
            "http://10.0.0.1/client.json", // not https: an unknown client id
        })
        {
            data.Add(new($"authorize: metadata document client_id '{document[..Math.Min(document.Length, 50)]}'", HttpMethod.Get, "authorize?client_id=" + Uri.EscapeDataString(document) + "&" + registered));
        }

        foreach (var resource in new[] { "https://unknown.example.com/api", "/relative", "relative", "https://example.com/api#fragment", "https://user:pw@example.com/api", "" })
        {
            data.Add(new($"authorize: resource '{resource}'", HttpMethod.Get, Authorize(registered + "&scope=read&resource=" + Uri.EscapeDataString(resource))));
            data.Add(new($"token: resource '{resource}'", HttpMethod.Post, "token", Form, Ascii("grant_type=refresh_token&client_id=bad-input-client&refresh_token=a.b&resource=" + Uri.EscapeDataString(resource))));
        }

        data.Add(new("authorize: many resources", HttpMethod.Get, Authorize(registered + string.Concat(Enumerable.Range(0, 200).Select(i => $"&resource=https%3A%2F%2Fr{i}.example.com")))));
        data.Add(new("token: repeated resource", HttpMethod.Post, "token", Form, Ascii("grant_type=client_credentials&resource=https%3A%2F%2Fa.example.com&resource=https%3A%2F%2Fb.example.com")));
        data.Add(new("authorize: POST JSON", HttpMethod.Post, "authorize", "application/json", Ascii("{}")));
        data.Add(new("authorize: POST huge", HttpMethod.Post, "authorize", Form, Ascii("client_id=bad-input-client&state=" + big)));
        data.Add(new("authorize: POST without CSRF", HttpMethod.Post, "authorize", Form, Ascii("response_type=code&client_id=bad-input-client&" + registered + "&code_challenge_method=S256&code_challenge=" + Challenge + "&decision=allow&username=a&password=b")));

        const string Json = "application/json";
        data.Add(new("register: a form instead of JSON", HttpMethod.Post, "register", Form, Ascii("redirect_uris=https%3A%2F%2Fa.example%2Fcb")));
        data.Add(new("register: huge body", HttpMethod.Post, "register", Json, Ascii("{\"client_name\":\"" + big + "\"}")));
        data.Add(new("register: deep nesting", HttpMethod.Post, "register", Json, Ascii(new string('[', 5000) + new string(']', 5000))));
        data.Add(new("register: invalid UTF-8", HttpMethod.Post, "register", Json, [.. Ascii("{\"client_name\":\""), 0xC3, 0x28, .. Ascii("\"}")]));
        data.Add(new("register: NUL in a redirect URI", HttpMethod.Post, "register", Json, Ascii("{\"redirect_uris\":[\"https://a.example/cb\\u0000\"]}")));
        data.Add(new("register: wildcard redirect URI", HttpMethod.Post, "register", Json, Ascii("{\"redirect_uris\":[\"https://*.a.example/cb\"],\"token_endpoint_auth_method\":\"none\"}")));
        data.Add(new("register: javascript: redirect URI", HttpMethod.Post, "register", Json, Ascii("{\"redirect_uris\":[\"javascript:alert(1)\"]}")));
        data.Add(new("register: control characters in the name", HttpMethod.Post, "register", Json, Ascii("{\"redirect_uris\":[\"https://a.example/cb\"],\"client_name\":\"a\\r\\nb\"}")));
        data.Add(new("register: GET", HttpMethod.Get, "register"));

        data.Add(new("resource: Bearer without a token", HttpMethod.Get, "resource", Headers: [("Authorization", "Bearer")]));
        data.Add(new("resource: huge token", HttpMethod.Get, "resource", Headers: [("Authorization", "Bearer " + new string('a', 10_000))]));
        data.Add(new("resource: JWT with alg none", HttpMethod.Get, "resource", Headers: [("Authorization", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.")]));
        data.Add(new("resource: JWT with a garbage header", HttpMethod.Get, "resource", Headers: [("Authorization", "Bearer e30.e30.e30")]));
        data.Add(new("resource: Basic", HttpMethod.Get, "resource", Headers: [("Authorization", "Basic abc")]));
        return data;
    }

    /// <summary>
    /// RFC 8707: a resource that is unknown, relative, has a fragment, or is repeated at the token endpoint is
    /// invalid_target, at /authorize by redirect and at /token as a 400, and nothing is stored: no code is made, and the
    /// code presented is not spent (it still redeems once afterwards).
    /// </summary>
    [Fact]
    public async Task BadResources_AreInvalidTarget_AndNothingIsStored()
    {
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        var demo = Server.Issuer + "/resource";
        string[] bad = ["https://unknown.example.com/api", "/relative", "relative", demo + "#fragment"];
        var before = await GrantRowsAsync();

        foreach (var resource in bad)
        {
            var response = await flow.Http.GetAsync(Authorize("redirect_uri=" + Uri.EscapeDataString(Redirect) + "&scope=read&resource=" + Uri.EscapeDataString(resource)));
            Assert.Equal("invalid_target", OAuthFlow.RedirectParameters(response)["error"]);
        }

        Assert.Equal(before, await GrantRowsAsync());

        var code = OAuthFlow.RedirectParameters(await flow.SignInAsync(
            Authorize("redirect_uri=" + Uri.EscapeDataString(Redirect) + "&scope=read"), user.Username, LocalServer.Password))["code"];
        (string, string)[] exchange =
        [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", "bad-input-client"), ("code_verifier", new string('v', 43)),
        ];
        var withCode = await GrantRowsAsync();
        foreach (var resources in bad.Select(r => new[] { r }).Append([demo, demo]).Append([demo, "https://unknown.example.com/api"]))
        {
            await OAuthFlow.AssertOAuthErrorAsync(
                await flow.PostTokenAsync([.. exchange, .. resources.Select(r => ("resource", r))]), HttpStatusCode.BadRequest, "invalid_target");
        }

        Assert.Equal(withCode, await GrantRowsAsync());
        await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync([.. exchange, ("resource", demo)]));
    }

    private async Task<int> GrantRowsAsync()
    {
        var tables = Server.Services.GetRequiredService<Serverless.OAuth.Infrastructure.Storage.OAuthTables>();
        var count = 0;
        foreach (var name in new[] { Serverless.OAuth.Infrastructure.Storage.OAuthTables.Grants, Serverless.OAuth.Infrastructure.Storage.OAuthTables.Expiry })
        {
            await foreach (var _ in (await tables.GetAsync(name)).QueryAsync<Azure.Data.Tables.TableEntity>(select: ["RowKey"]))
            {
                count++;
            }
        }

        return count;
    }

    [Fact]
    public async Task HostileState_TravelsEncoded_AndCannotInjectHeaders()
    {
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        const string state = "x\r\nSet-Cookie: a=b\r\nLocation: https://evil.example\"<script>";

        var response = await flow.SignInAsync(Authorize("redirect_uri=" + Uri.EscapeDataString(Redirect) + "&state=" + Uri.EscapeDataString(state)), user.Username, LocalServer.Password);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.StartsWith(Redirect + "?code=", response.Headers.Location!.OriginalString);
        Assert.Equal(state, OAuthFlow.RedirectParameters(response)["state"]);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("a=", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task EveryBadRequest_GetsADocumented4xx_NoStackTrace_NoForeignRedirect(Case request)
    {
        using var http = Server.NewHttpClient();
        using var message = new HttpRequestMessage(request.Method, request.Path);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }

        foreach (var (name, value) in request.Headers ?? [])
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await http.SendAsync(message);
        var body = await response.Content.ReadAsStringAsync();
        if (request.ErrorPage)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Null(response.Headers.Location);
            Assert.Contains("redirect", body, StringComparison.OrdinalIgnoreCase);
        }

        // A hostile but well-formed authorization request (say, CR LF in state) is valid: it gets the login page.
        var status = (int)response.StatusCode;
        var page = request.Method == HttpMethod.Get && request.Path.StartsWith("authorize", StringComparison.Ordinal) && status == 200;
        Assert.True(status is >= 400 and < 500 or 302 or 303 || page, $"{request.Name}: {status} {body}");
        Assert.DoesNotContain("Exception", body);
        Assert.DoesNotContain(" at Serverless.", body);
        if (response.StatusCode is HttpStatusCode.Found or HttpStatusCode.SeeOther)
        {
            Assert.StartsWith(Redirect + "?", response.Headers.Location!.OriginalString);
            Assert.Contains("error=", response.Headers.Location.OriginalString);
            Assert.DoesNotContain("\r", response.Headers.Location.OriginalString);
            Assert.DoesNotContain("\n", response.Headers.Location.OriginalString);
            Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("a=", StringComparison.Ordinal)));
            return;
        }

        // Another method reaches no handler: 405 from the local host's routing, 404 from the Functions host's, which
        // matches methods as a route constraint (HttpContractTests.AnotherMethod_OnAContractRoute_ReachesNoHandler).
        if (response.StatusCode == HttpStatusCode.MethodNotAllowed || (request.Method == HttpMethod.Get && response.StatusCode == HttpStatusCode.NotFound && body.Length == 0))
        {
            return;
        }

        if (response.Content.Headers.ContentType?.MediaType == "application/json")
        {
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString();
            Assert.Contains(error, OAuthErrors);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }
        else if (request.Path.StartsWith("authorize", StringComparison.Ordinal))
        {
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("frame-ancestors 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        }
        else
        {
            // The resource's 401 without a usable token carries its Bearer challenge.
            Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
        }
    }
}

public sealed class BadInputLocalHostFixture()
    : ServerFixture(async () => await BadInputContractTests<BadInputLocalHostFixture>.SeedAsync(
        await LocalServer.StartAsync(BadInputContractTests<BadInputLocalHostFixture>.Settings, clock: ManualClock.Running())));

public sealed class BadInputFunctionsWorkerFixture()
    : ServerFixture(async () => await BadInputContractTests<BadInputFunctionsWorkerFixture>.SeedAsync(
        await FunctionsWorkerServer.StartAsync(BadInputContractTests<BadInputFunctionsWorkerFixture>.Settings)));

public sealed class LocalHostBadInputTests(BadInputLocalHostFixture fixture) : BadInputContractTests<BadInputLocalHostFixture>(fixture);

public sealed class FunctionsWorkerBadInputTests(BadInputFunctionsWorkerFixture fixture) : BadInputContractTests<BadInputFunctionsWorkerFixture>(fixture);
