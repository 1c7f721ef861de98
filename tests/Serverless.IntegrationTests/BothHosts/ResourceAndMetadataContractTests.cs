using System.Net;
using System.Text.Json;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>GET /resource (RFC 6750), the metadata (RFC 8414) and JWKS, asked of both hosts.</summary>
public abstract class ResourceAndMetadataContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private IOAuthTestServer Server => fixture.Server;

    private OAuthFlow Flow { get; } = new(fixture.Server);

    private async Task<string> ClientCredentialsTokenAsync(string scope)
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(
            await Flow.PostTokenAsync([("grant_type", "client_credentials"), ("scope", scope)], (client.ClientId, secret)));
        return accessToken;
    }

    [Fact]
    public async Task NoToken_Is401_WithABareBearerChallenge()
    {
        var response = await Flow.GetResourceAsync(null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.StartsWith("Bearer realm=", challenge);
        Assert.DoesNotContain("error=", challenge);
    }

    [Fact]
    public async Task RepeatedAuthorizationHeader_IsInvalidRequest_EvenWithAValidToken()
    {
        var token = await ClientCredentialsTokenAsync("read");

        var (status, answer) = await Flow.SendRawAsync("GET", "resource", [("Authorization", "Bearer " + token), ("Authorization", "Bearer " + token)]);

        Assert.Equal(400, status);
        Assert.Contains("error=\"invalid_request\", error_description=\"The Authorization header was sent more than once.\"", answer);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    public async Task MalformedOrUnsignedToken_IsInvalidToken(string token)
    {
        var response = await Flow.GetResourceAsync(token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task ExpiredToken_IsInvalidToken()
    {
        var token = await ClientCredentialsTokenAsync("read");
        Assert.Equal(HttpStatusCode.OK, (await Flow.GetResourceAsync(token)).StatusCode);

        await Server.PassTimeAsync(TimeSpan.FromMinutes(11));

        var response = await Flow.GetResourceAsync(token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Contains("expired", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task TokenWithATamperedPayload_IsInvalidToken()
    {
        var token = await ClientCredentialsTokenAsync("read");
        var parts = token.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1]))).Replace("\"read\"", "\"read write\"", StringComparison.Ordinal);
        var forged = parts[0] + "." + Serverless.OAuth.Protocol.Base64Url.Encode(System.Text.Encoding.UTF8.GetBytes(payload)) + "." + parts[2];

        Assert.Equal(HttpStatusCode.Unauthorized, (await Flow.GetResourceAsync(forged)).StatusCode);
    }

    [Fact]
    public async Task TokenWithoutTheResourceScope_Is403_InsufficientScope()
    {
        var token = await ClientCredentialsTokenAsync("write");

        var response = await Flow.GetResourceAsync(token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Metadata_AdvertisesExactlyWhatIsImplemented_AtBothAddresses()
    {
        foreach (var path in new[] { ".well-known/oauth-authorization-server", ".well-known/openid-configuration" })
        {
            var metadata = JsonDocument.Parse(await Flow.Http.GetStringAsync(path)).RootElement;
            Assert.Equal(Server.Issuer, metadata.GetProperty("issuer").GetString());
            Assert.Equal(Server.Issuer + "/authorize", metadata.GetProperty("authorization_endpoint").GetString());
            Assert.Equal(Server.Issuer + "/token", metadata.GetProperty("token_endpoint").GetString());
            Assert.Equal(Server.Issuer + "/.well-known/jwks.json", metadata.GetProperty("jwks_uri").GetString());
            Assert.Equal(Server.Issuer + "/revoke", metadata.GetProperty("revocation_endpoint").GetString());
            Assert.Equal(Server.Issuer + "/introspect", metadata.GetProperty("introspection_endpoint").GetString());
            Assert.Equal(["S256"], Strings(metadata, "code_challenge_methods_supported"));
            Assert.Equal(["code"], Strings(metadata, "response_types_supported"));
            Assert.Equal(["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange", "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:device_code"], Strings(metadata, "grant_types_supported"));
            Assert.Equal(["client_secret_basic", "client_secret_post", "private_key_jwt", "none"], Strings(metadata, "token_endpoint_auth_methods_supported"));
            Assert.True(metadata.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
        }
    }

    [Fact]
    public async Task Jwks_PublishesThePublicKeyOnly_AndTheTokenKidResolvesThere()
    {
        var token = await ClientCredentialsTokenAsync("read");
        var jwks = JsonDocument.Parse(await Flow.Http.GetStringAsync(".well-known/jwks.json")).RootElement.GetProperty("keys");

        var key = Assert.Single(jwks.EnumerateArray(), k => k.GetProperty("alg").GetString() == "ES256");
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal("ES256", key.GetProperty("alg").GetString());
        Assert.False(key.TryGetProperty("d", out _));
        var header = JsonDocument.Parse(Convert.FromBase64String(Pad(token.Split('.')[0]))).RootElement;
        Assert.Equal(key.GetProperty("kid").GetString(), header.GetProperty("kid").GetString());
    }

    [Fact]
    public async Task HomePage_LinksToMetadataAndTheDemo()
    {
        var html = await Flow.Http.GetStringAsync("");

        // The links themselves, each answering 200 from this server: text that merely mentions "demo" is not a link.
        var links = System.Text.RegularExpressions.Regex.Matches(html, "<a href=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Superset(new HashSet<string>([".well-known/oauth-authorization-server", ".well-known/jwks.json", "demo"]), links.ToHashSet());
        foreach (var link in links)
        {
            Assert.Equal(HttpStatusCode.OK, (await Flow.Http.GetAsync(link)).StatusCode);
        }
    }

    private static string[] Strings(JsonElement element, string name) => element.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s + new string('=', (4 - (s.Length % 4)) % 4);
    }
}

public sealed class LocalHostResourceAndMetadataTests(LocalHostFixture fixture) : ResourceAndMetadataContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerResourceAndMetadataTests(FunctionsWorkerFixture fixture) : ResourceAndMetadataContractTests<FunctionsWorkerFixture>(fixture);
