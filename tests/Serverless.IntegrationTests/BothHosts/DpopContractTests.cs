using Serverless.OAuth.Protocol;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Clients;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// DPoP (RFC 9449) on both hosts, with the server nonce required (so every client goes through use_dpop_nonce once):
/// openid-client runs a DPoP-bound code flow, UserInfo, a refresh and the demo resource; then the refusals, each with
/// a proof written by hand (<see cref="DpopKey"/>): replayed, forged, for another URL or method, stale; a bound token
/// as Bearer or with another key; a public client's bound refresh token with another key.
/// </summary>
public abstract class DpopContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/dpop-callback";
    private readonly IOAuthTestServer _server = fixture.Server;
    private readonly DpopKey _key = new();
    private OAuthFlow _flow = null!;

    private string TokenUrl => _server.Issuer + "/token";

    public Task InitializeAsync()
    {
        _flow = new OAuthFlow(_server);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _key.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A token request with this DPoP header (null: none).</summary>
    private async Task<HttpResponseMessage> PostTokenAsync(IEnumerable<(string Name, string Value)> form, string? proof, (string Id, string Secret)? basic = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "token")
        {
            Content = new FormUrlEncodedContent(form.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))),
        };
        if (basic is { } credentials)
        {
            request.Headers.Authorization = OAuthFlow.BasicAuthorization(credentials.Id, credentials.Secret);
        }

        if (proof is not null)
        {
            request.Headers.Add("DPoP", proof);
        }

        return await _flow.Http.SendAsync(request);
    }

    /// <summary>The server's current nonce, as a client learns it: a proof without one is answered use_dpop_nonce with it.</summary>
    private async Task<string> NonceAsync()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync(grants: [GrantTypes.ClientCredentials]);
        var response = await PostTokenAsync([("grant_type", "client_credentials")], _key.Proof("POST", TokenUrl, DateTimeOffset.UtcNow), (client.ClientId, secret));
        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "use_dpop_nonce");
        return response.Headers.GetValues("DPoP-Nonce").Single();
    }

    private async Task<HttpResponseMessage> SendToResourceAsync(string path, string scheme, string accessToken, string? proof)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue(scheme, accessToken);
        if (proof is not null)
        {
            request.Headers.Add("DPoP", proof);
        }

        return await _flow.Http.SendAsync(request);
    }

    private static string Challenges(HttpResponseMessage response) => string.Join(", ", response.Headers.WwwAuthenticate.Select(h => h.ToString()));

    [Fact]
    public async Task OpenIdClient_RunsADpopBoundCodeFlow_UserInfo_Refresh_AndTheResource_ThenTheBoundTokensRefuseOtherUses()
    {
        var client = await _server.AddRelyingPartyAsync(Redirect);
        var user = await _server.AddUserAsync();
        using var rp = Process.Start(new ProcessStartInfo("node")
        {
            ArgumentList = { Path.Combine(NodeScript.Folder, "openid-client-dpop.mjs"), _server.Issuer, client.ClientId, Redirect },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = NodeScript.Folder,
        })!;
        JsonElement result;
        try
        {
            var start = JsonDocument.Parse((await rp.StandardOutput.ReadLineAsync())!).RootElement;
            Assert.True(start.TryGetProperty("url", out var url), start.ToString());
            var redirect = await _flow.SignInAsync(new Uri(url.GetString()!).PathAndQuery.TrimStart('/'), user.Username, LocalServer.Password);
            Assert.StartsWith(Redirect, redirect.Headers.Location!.ToString());
            await rp.StandardInput.WriteLineAsync(redirect.Headers.Location!.ToString());
            await rp.StandardInput.FlushAsync();
            result = JsonDocument.Parse((await rp.StandardOutput.ReadLineAsync())!).RootElement.Clone();
        }
        finally
        {
            if (!rp.HasExited)
            {
                rp.Kill();
            }
        }

        Assert.False(result.TryGetProperty("error", out _), result.ToString());
        var thumbprint = result.GetProperty("thumbprint").GetString()!;
        // openid-client reports token_type in lower case.
        Assert.Equal("DPoP", result.GetProperty("token_type").GetString(), ignoreCase: true);
        Assert.Equal("DPoP", result.GetProperty("refreshed_token_type").GetString(), ignoreCase: true);
        Assert.Equal(user.Subject, result.GetProperty("userinfo_sub").GetString());
        Assert.Equal(200, result.GetProperty("resource_status").GetInt32());
        var accessToken = result.GetProperty("refreshed_access_token").GetString()!;
        Assert.Equal(thumbprint, DpopKey.PayloadOf(accessToken).GetProperty("cnf").GetProperty("jkt").GetString());

        // The bound token as a Bearer token: refused, with both challenges.
        var asBearer = await SendToResourceAsync("userinfo", "Bearer", accessToken, proof: null);
        Assert.Equal(HttpStatusCode.Unauthorized, asBearer.StatusCode);
        Assert.Contains("Bearer realm=", Challenges(asBearer));
        Assert.Contains("error=\"invalid_token\"", Challenges(asBearer));
        Assert.Contains("DPoP realm=", Challenges(asBearer));
        Assert.Contains("algs=\"ES256", Challenges(asBearer));

        // With a proof of another key (the attacker's), at UserInfo and at the demo resource.
        var nonce = await NonceAsync();
        using var other = new DpopKey();
        foreach (var path in new[] { "userinfo", "resource" })
        {
            var withOtherKey = await SendToResourceAsync(
                path, "DPoP", accessToken, other.Proof("GET", _server.Issuer + "/" + path, DateTimeOffset.UtcNow, accessToken, nonce));
            Assert.Equal(HttpStatusCode.Unauthorized, withOtherKey.StatusCode);
            Assert.Contains("DPoP realm=", Challenges(withOtherKey));
            Assert.Contains("error=\"invalid_token\"", Challenges(withOtherKey));
        }

        // The public client's refresh token is bound to openid-client's key: another key, or none, cannot use it.
        var refreshToken = result.GetProperty("refresh_token").GetString()!;
        (string, string)[] refresh = [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", client.ClientId)];
        await OAuthFlow.AssertOAuthErrorAsync(
            await PostTokenAsync(refresh, other.Proof("POST", TokenUrl, DateTimeOffset.UtcNow, nonce: nonce)), HttpStatusCode.BadRequest, "invalid_grant");
        await OAuthFlow.AssertOAuthErrorAsync(await PostTokenAsync(refresh, proof: null), HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task AValidProof_BindsTheToken_AndIntrospectionAndTheResourceSayTheKey()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync(grants: [GrantTypes.ClientCredentials], mayIntrospect: true);
        var nonce = await NonceAsync();

        var (accessToken, _, body) = await TokenSupport.ReadTokenResponseAsync(await PostTokenAsync(
            [("grant_type", "client_credentials"), ("scope", "read")], _key.Proof("POST", TokenUrl, DateTimeOffset.UtcNow, nonce: nonce), (client.ClientId, secret)), "DPoP");

        Assert.Equal("DPoP", body.GetProperty("token_type").GetString());
        Assert.Equal(_key.Thumbprint, DpopKey.PayloadOf(accessToken).GetProperty("cnf").GetProperty("jkt").GetString());
        var introspection = await OAuthFlow.JsonAsync(await _flow.PostFormAsync("introspect", [("token", accessToken)], (client.ClientId, secret)));
        Assert.Equal(_key.Thumbprint, introspection.GetProperty("cnf").GetProperty("jkt").GetString());

        var resource = await SendToResourceAsync(
            "resource", "DPoP", accessToken, _key.Proof("GET", _server.Issuer + "/resource", DateTimeOffset.UtcNow, accessToken, nonce));
        Assert.Equal(HttpStatusCode.OK, resource.StatusCode);

        // No proof at all beside a bound token: a DPoP challenge saying so.
        var noProof = await SendToResourceAsync("resource", "DPoP", accessToken, proof: null);
        Assert.Equal(HttpStatusCode.Unauthorized, noProof.StatusCode);
        Assert.Contains("error=\"invalid_dpop_proof\"", Challenges(noProof));

        var metadata = await OAuthFlow.JsonAsync(await _flow.Http.GetAsync(".well-known/oauth-authorization-server"));
        Assert.Contains("ES256", metadata.GetProperty("dpop_signing_alg_values_supported").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task TheTokenEndpoint_RefusesReplayedForgedMisaddressedAndStaleProofs()
    {
        var (client, secret) = await _server.AddConfidentialClientAsync(grants: [GrantTypes.ClientCredentials]);
        var nonce = await NonceAsync();
        var now = DateTimeOffset.UtcNow;
        (string, string)[] form = [("grant_type", "client_credentials")];
        Task<HttpResponseMessage> Post(string proof) => PostTokenAsync(form, proof, (client.ClientId, secret));
        async Task Refused(string proof) => await OAuthFlow.AssertOAuthErrorAsync(await Post(proof), HttpStatusCode.BadRequest, "invalid_dpop_proof");

        var once = _key.Proof("POST", TokenUrl, now, nonce: nonce);
        await TokenSupport.ReadTokenResponseAsync(await Post(once), "DPoP");
        await Refused(once);

        using var other = new DpopKey();
        await Refused(_key.Proof("POST", TokenUrl, now, nonce: nonce, change: (header, _) => header["jwk"] = other.PublicJwk()));
        await Refused(_key.Proof("POST", TokenUrl, now, nonce: nonce, change: (header, _) => header["jwk"] = _key.PrivateJwk()));
        await Refused(_key.Proof("POST", TokenUrl, now, nonce: nonce, change: (header, _) => header["alg"] = "HS256"));
        await Refused(_key.Proof("POST", "https://evil.example/token", now, nonce: nonce));
        await Refused(_key.Proof("POST", _server.Issuer + "/introspect", now, nonce: nonce));
        await Refused(_key.Proof("GET", TokenUrl, now, nonce: nonce));
        await Refused(_key.Proof("POST", TokenUrl, now - TimeSpan.FromMinutes(10), nonce: nonce));
        await Refused(_key.Proof("POST", TokenUrl, now, nonce: nonce, change: (header, _) => header["typ"] = "JWT"));
    }

    [Fact]
    public async Task AClientRegisteredWithDpopBoundAccessTokens_MustSendAProof()
    {
        var (registered, secret) = await _server.AddConfidentialClientAsync(grants: [GrantTypes.ClientCredentials]);
        var client = registered with { ClientId = registered.ClientId + "-dpop", DpopBoundAccessTokens = true };
        Assert.True(await _server.Services.GetRequiredService<IClientStore>().AddAsync(client));

        await OAuthFlow.AssertOAuthErrorAsync(
            await PostTokenAsync([("grant_type", "client_credentials")], proof: null, (client.ClientId, secret)), HttpStatusCode.BadRequest, "invalid_dpop_proof");
        var nonce = await NonceAsync();
        var (_, _, body) = await TokenSupport.ReadTokenResponseAsync(await PostTokenAsync(
            [("grant_type", "client_credentials")], _key.Proof("POST", TokenUrl, DateTimeOffset.UtcNow, nonce: nonce), (client.ClientId, secret)), "DPoP");
        Assert.Equal("DPoP", body.GetProperty("token_type").GetString());
    }

    [Fact]
    public async Task ACodeAskedWithDpopJkt_IsRedeemedOnlyWithThatKey()
    {
        var client = await _server.AddPublicClientAsync(redirectUris: Redirect);
        var user = await _server.AddUserAsync();
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var signedIn = await _flow.SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "read"),
                ("code_challenge", challenge), ("code_challenge_method", "S256"), ("dpop_jkt", _key.Thumbprint)),
            user.Username,
            LocalServer.Password);
        var code = OAuthFlow.RedirectParameters(signedIn)["code"];
        var nonce = await NonceAsync();
        using var other = new DpopKey();
        (string, string)[] form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)];

        await OAuthFlow.AssertOAuthErrorAsync(
            await PostTokenAsync(form, other.Proof("POST", TokenUrl, DateTimeOffset.UtcNow, nonce: nonce)), HttpStatusCode.BadRequest, "invalid_grant");
        var (_, _, body) = await TokenSupport.ReadTokenResponseAsync(await PostTokenAsync(form, _key.Proof("POST", TokenUrl, DateTimeOffset.UtcNow, nonce: nonce)), "DPoP");
        Assert.Equal("DPoP", body.GetProperty("token_type").GetString());
    }
}

/// <summary>The DPoP servers: nonces required, with a key both would share across instances.</summary>
public static class DpopSettings
{
    public static Dictionary<string, string?> Settings => new()
    {
        ["OAuth:Dpop:RequireNonce"] = "true",
        ["OAuth:Dpop:NonceKey"] = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("a test key for DPoP nonces, 32+ bytes long")),
    };
}

public sealed class DpopLocalHostFixture() : ServerFixture(async () => await LocalServer.StartAsync(DpopSettings.Settings, clock: ManualClock.Running()));

public sealed class DpopFunctionsWorkerFixture() : ServerFixture(async () => await FunctionsWorkerServer.StartAsync(DpopSettings.Settings));

public sealed class LocalHostDpopContractTests(DpopLocalHostFixture fixture) : DpopContractTests<DpopLocalHostFixture>(fixture);

public sealed class FunctionsWorkerDpopContractTests(DpopFunctionsWorkerFixture fixture) : DpopContractTests<DpopFunctionsWorkerFixture>(fixture);
