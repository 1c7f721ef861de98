using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Serverless.OAuth.Identity.Users;

namespace Serverless.IntegrationTests.BothHosts;

/// <summary>
/// UserInfo (OpenID Connect Core §5.3), the OpenID Provider metadata (Discovery 1.0 §3) and response_mode=form_post,
/// asked of both hosts: the claims each scope releases, RFC 6750 errors for every token that may not have them, and
/// the authorization response as an auto-submitting form under a strict Content-Security-Policy.
/// </summary>
public abstract class OpenIdProviderContractTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : ServerFixture
{
    private const string Redirect = "http://127.0.0.1:9/rp-callback";

    private IOAuthTestServer Server => fixture.Server;

    private async Task<(OAuthFlow Flow, OAuthUser User, string AccessToken)> SignInAsync(string scope, bool withProfile = true)
    {
        var client = await Server.AddRelyingPartyAsync(Redirect);
        var user = await Server.AddUserAsync();
        if (withProfile)
        {
            Assert.True(await Server.Services.GetRequiredService<IUserStore>().SetProfileAsync(
                user.Username, "Grace Hopper", "grace@example.com", emailVerified: true, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)));
        }

        var flow = new OAuthFlow(Server);
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await flow.GetCodeAsync(client.ClientId, Redirect, user.Username, challenge, scope);
        var (accessToken, _, _) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));
        return (flow, user, accessToken);
    }

    private static async Task<HttpResponseMessage> UserInfoAsync(OAuthFlow flow, string? accessToken, HttpMethod method)
    {
        using var request = new HttpRequestMessage(method, "userinfo");
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return await flow.Http.SendAsync(request);
    }

    [Fact]
    public async Task ProfileAndEmail_ReleaseTheirClaims_ByGetAndByPost()
    {
        var (flow, user, accessToken) = await SignInAsync("openid profile email");

        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
        {
            var response = await UserInfoAsync(flow, accessToken, method);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            var claims = await OAuthFlow.JsonAsync(response);
            Assert.Equal(user.Subject, claims.GetProperty("sub").GetString());
            Assert.Equal("Grace Hopper", claims.GetProperty("name").GetString());
            Assert.Equal(user.Username, claims.GetProperty("preferred_username").GetString());
            Assert.Equal(1_800_000_000, claims.GetProperty("updated_at").GetInt64());
            Assert.Equal("grace@example.com", claims.GetProperty("email").GetString());
            Assert.True(claims.GetProperty("email_verified").GetBoolean());
        }
    }

    [Fact]
    public async Task OpenIdAlone_ReleasesOnlyTheSubject()
    {
        var (flow, user, accessToken) = await SignInAsync("openid");

        var claims = await OAuthFlow.JsonAsync(await UserInfoAsync(flow, accessToken, HttpMethod.Get));

        Assert.Equal([("sub", user.Subject)], claims.EnumerateObject().Select(p => (p.Name, p.Value.GetString())));
    }

    [Fact]
    public async Task AUserWithoutAnEmail_GetsNoEmailClaims()
    {
        var (flow, _, accessToken) = await SignInAsync("openid email", withProfile: false);

        var claims = await OAuthFlow.JsonAsync(await UserInfoAsync(flow, accessToken, HttpMethod.Get));

        Assert.False(claims.TryGetProperty("email", out _));
        Assert.False(claims.TryGetProperty("email_verified", out _));
    }

    [Fact]
    public async Task ATokenWithoutOpenId_IsInsufficientScope()
    {
        var (flow, _, accessToken) = await SignInAsync("read profile");

        var response = await UserInfoAsync(flow, accessToken, HttpMethod.Get);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task NoToken_IsABareChallenge_AndAForgedToken_IsInvalidToken()
    {
        var (flow, _, accessToken) = await SignInAsync("openid");

        var none = await UserInfoAsync(flow, null, HttpMethod.Get);
        var forged = await UserInfoAsync(flow, accessToken[..^4] + "AAAA", HttpMethod.Get);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(
            $"Bearer realm=\"{Server.Issuer}\", DPoP realm=\"{Server.Issuer}\", algs=\"{string.Join(' ', Serverless.OAuth.Endpoints.Dpop.DpopProofValidator.Algorithms)}\"",
            string.Join(", ", none.Headers.WwwAuthenticate.Select(h => h.ToString())));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("error=\"invalid_token\"", forged.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task ARemovedUser_IsInvalidToken()
    {
        var (flow, user, accessToken) = await SignInAsync("openid");
        Assert.True(await Server.Services.GetRequiredService<IUserStore>().RemoveAsync(user.Username));

        var response = await UserInfoAsync(flow, accessToken, HttpMethod.Get);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Discovery_HasEveryRequiredField_AndTheSameValuesAsTheOAuthMetadata()
    {
        var http = Server.NewHttpClient();

        var oauth = JsonDocument.Parse(await http.GetStringAsync(".well-known/oauth-authorization-server")).RootElement;
        var openid = JsonDocument.Parse(await http.GetStringAsync(".well-known/openid-configuration")).RootElement;

        // OpenID Connect Discovery 1.0 §3: REQUIRED, and what a relying party of the code flow needs.
        Assert.Equal(Server.Issuer, openid.GetProperty("issuer").GetString());
        Assert.Equal($"{Server.Issuer}/authorize", openid.GetProperty("authorization_endpoint").GetString());
        Assert.Equal($"{Server.Issuer}/token", openid.GetProperty("token_endpoint").GetString());
        Assert.Equal($"{Server.Issuer}/userinfo", openid.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal($"{Server.Issuer}/.well-known/jwks.json", openid.GetProperty("jwks_uri").GetString());
        Assert.Equal(["code"], Strings(openid, "response_types_supported"));
        Assert.Equal(["public"], Strings(openid, "subject_types_supported"));
        Assert.NotEmpty(Strings(openid, "id_token_signing_alg_values_supported"));
        Assert.Subset(Strings(openid, "scopes_supported").ToHashSet(), new HashSet<string> { "openid", "profile", "email" });
        Assert.Subset(Strings(openid, "claims_supported").ToHashSet(), new HashSet<string> { "sub", "name", "email", "email_verified", "preferred_username" });
        Assert.False(openid.GetProperty("request_uri_parameter_supported").GetBoolean());
        Assert.False(oauth.TryGetProperty("userinfo_endpoint", out _), "The OAuth metadata stays OAuth's (RFC 8414).");

        // Built from one source: every OAuth member has the same value at both addresses.
        foreach (var member in oauth.EnumerateObject())
        {
            Assert.Equal(member.Value.GetRawText(), openid.GetProperty(member.Name).GetRawText());
        }
    }

    [Fact]
    public async Task FormPost_AnswersWithAnAutoSubmittingForm_WhoseScriptOnlyThePageNonceAllows()
    {
        var client = await Server.AddRelyingPartyAsync(Redirect);
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        var (verifier, challenge) = OAuthFlow.NewPkce();

        var response = await flow.SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "openid"),
                ("state", "s-<&>"), ("response_mode", "form_post"), ("code_challenge", challenge), ("code_challenge_method", "S256")),
            user.Username,
            LocalServer.Password);

        var (action, fields) = await FormPostAsync(response);
        Assert.Equal(Redirect, action);
        Assert.Equal("s-<&>", fields["state"]);
        Assert.Equal(Server.Issuer, fields["iss"]);
        var (_, _, body) = await TokenSupport.ReadTokenResponseAsync(await flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", fields["code"]), ("redirect_uri", Redirect), ("client_id", client.ClientId), ("code_verifier", verifier)]));
        Assert.True(body.TryGetProperty("id_token", out _));
    }

    [Fact]
    public async Task FormPost_CarriesErrorsToo_TheDenialAndAnInvalidScope()
    {
        var client = await Server.AddRelyingPartyAsync(Redirect);
        var user = await Server.AddUserAsync();
        var flow = new OAuthFlow(Server);
        string Query(string scope) => OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect),
            ("scope", scope), ("state", "s"), ("response_mode", "form_post"), ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256"));

        var (_, denied) = await FormPostAsync(await flow.SignInAsync(Query("openid"), user.Username, LocalServer.Password, decision: "deny"));
        var (_, invalid) = await FormPostAsync(await flow.Http.GetAsync(Query("openid phone")));

        Assert.Equal(("access_denied", "s"), (denied["error"], denied["state"]));
        Assert.Equal(("invalid_scope", "s"), (invalid["error"], invalid["state"]));
        Assert.False(denied.ContainsKey("code"));
    }

    [Theory]
    [InlineData("fragment")]
    [InlineData("web_message")]
    public async Task AnUnsupportedResponseMode_IsInvalidRequest_InTheQuery(string mode)
    {
        var client = await Server.AddRelyingPartyAsync(Redirect);

        var response = await Server.NewHttpClient().GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", Redirect), ("scope", "openid"), ("state", "s"),
            ("response_mode", mode), ("code_challenge", OAuthFlow.NewPkce().Challenge), ("code_challenge_method", "S256")));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var parameters = OAuthFlow.RedirectParameters(response);
        Assert.Equal(("invalid_request", "s"), (parameters["error"], parameters["state"]));
    }

    /// <summary>The form of a form_post response, after checking the page's policy allows its script by nonce and its form to the client only.</summary>
    private static async Task<(string Action, Dictionary<string, string> Fields)> FormPostAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "script-src 'nonce-([A-Za-z0-9_-]{22,})'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("form-action http://127.0.0.1:9;", csp);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<script nonce=\"{nonce}\">", html);
        Assert.Contains("<noscript>", html);
        var action = System.Text.RegularExpressions.Regex.Match(html, "<form method=\"post\" action=\"([^\"]*)\"").Groups[1].Value;
        return (WebUtility.HtmlDecode(action), OAuthFlow.HiddenFields(html));
    }

    private static string[] Strings(JsonElement element, string name) => [.. element.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];
}

public sealed class LocalHostOpenIdProviderContractTests(LocalHostFixture fixture) : OpenIdProviderContractTests<LocalHostFixture>(fixture);

public sealed class FunctionsWorkerOpenIdProviderContractTests(FunctionsWorkerFixture fixture) : OpenIdProviderContractTests<FunctionsWorkerFixture>(fixture);
