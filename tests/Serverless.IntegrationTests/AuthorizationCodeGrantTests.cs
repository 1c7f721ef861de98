using System.Net;
using Serverless.OAuth.Clients;

namespace Serverless.IntegrationTests;

/// <summary>POST /token with grant_type=authorization_code over real HTTP: client authentication, PKCE, binding, single use.</summary>
public sealed class AuthorizationCodeGrantTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/callback";
    private OAuthClient _public = null!;
    private string _username = null!;

    protected override async Task SetUpAsync()
    {
        _public = await Server.AddPublicClientAsync(redirectUris: Redirect);
        _username = (await Server.AddUserAsync()).Username;
    }

    private Task<HttpResponseMessage> ExchangeAsync(string code, string? verifier, string clientId, string redirectUri = Redirect)
    {
        var form = new List<(string, string)> { ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectUri), ("client_id", clientId) };
        if (verifier is not null)
        {
            form.Add(("code_verifier", verifier));
        }

        return Flow.PostTokenAsync(form);
    }

    [Fact]
    public async Task ALoopbackRedirectRegisteredWithoutAPort_AcceptsAnyPort_AndTheCodeIsBoundToThatPort()
    {
        // RFC 8252 §7.3: the native app registered http://127.0.0.1/callback and listens wherever the system put it.
        var native = await Server.AddPublicClientAsync(redirectUris: "http://127.0.0.1/callback");
        const string Listening = "http://127.0.0.1:51004/callback";
        var (verifier, challenge) = OAuthFlow.NewPkce();

        var code = await Flow.GetCodeAsync(native.ClientId, Listening, _username, challenge, scope: "read");

        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(code, verifier, native.ClientId, "http://127.0.0.1:51005/callback"), HttpStatusCode.BadRequest, "invalid_grant");
        var code2 = await Flow.GetCodeAsync(native.ClientId, Listening, _username, challenge, scope: "read");
        var response = await ExchangeAsync(code2, verifier, native.ClientId, Listening);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var unregistered = await Flow.Http.GetAsync(OAuthFlow.AuthorizeQuery(
            ("response_type", "code"), ("client_id", native.ClientId), ("redirect_uri", "http://localhost:51004/callback"), ("scope", "read"),
            ("code_challenge", challenge), ("code_challenge_method", "S256")));
        Assert.Equal(HttpStatusCode.BadRequest, unregistered.StatusCode);
        Assert.Null(unregistered.Headers.Location);
    }

    [Fact]
    public async Task TheWholeFlow_CodeToTokenToResource()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(_public.ClientId, Redirect, _username, challenge, scope: "read write offline_access");

        var (accessToken, refreshToken, body) = await TokenSupport.ReadTokenResponseAsync(await ExchangeAsync(code, verifier, _public.ClientId));

        Assert.Equal(600, body.GetProperty("expires_in").GetInt64());
        Assert.Equal("read write offline_access", body.GetProperty("scope").GetString());
        Assert.NotNull(refreshToken);
        var jwt = await TokenSupport.ValidateAgainstJwksAsync(Flow.Http, accessToken, Server.Issuer, Server.Issuer + "/resource");
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal("ES256", jwt.Alg);
        var user = await Server.Get<Serverless.OAuth.Identity.Users.IUserStore>().FindAsync(_username);
        Assert.Equal(user!.Subject, jwt.Subject);
        Assert.Equal(_public.ClientId, jwt.GetClaim("client_id").Value);
        Assert.Equal("read write offline_access", jwt.GetClaim("scope").Value);
        Assert.Equal(600, (jwt.ValidTo - jwt.IssuedAt).TotalSeconds);
        Assert.False(string.IsNullOrEmpty(jwt.Id));

        var resource = await Flow.GetResourceAsync(accessToken);
        Assert.Equal(HttpStatusCode.OK, resource.StatusCode);
        var data = await OAuthFlow.JsonAsync(resource);
        Assert.Equal(user.Subject, data.GetProperty("sub").GetString());
        Assert.Equal(_public.ClientId, data.GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task ConfidentialClient_WithBasicAndWithPost_AndWithoutPkce()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        foreach (var basic in new[] { true, false })
        {
            var response = await Flow.SignInAsync(
                OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", client.RedirectUris[0]), ("scope", "read")),
                _username,
                LocalServer.Password);
            var code = OAuthFlow.RedirectParameters(response)["code"];
            var form = new List<(string, string)> { ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", client.RedirectUris[0]) };
            if (!basic)
            {
                form.Add(("client_id", client.ClientId));
                form.Add(("client_secret", secret));
            }

            var token = await Flow.PostTokenAsync(form, basic ? (client.ClientId, secret) : null);

            await TokenSupport.ReadTokenResponseAsync(token);
        }
    }

    [Fact]
    public async Task WrongClientSecret_IsInvalidClient_401_WithChallenge()
    {
        var (client, _) = await Server.AddConfidentialClientAsync();

        var response = await Flow.PostTokenAsync([("grant_type", "authorization_code"), ("code", "x.y"), ("redirect_uri", client.RedirectUris[0])], (client.ClientId, "wrong"));

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
        Assert.StartsWith("Basic", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task ConfidentialClientWithoutSecret_IsInvalidClient()
    {
        var (client, _) = await Server.AddConfidentialClientAsync();

        var response = await Flow.PostTokenAsync([("grant_type", "client_credentials"), ("client_id", client.ClientId)]);

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_client");
    }

    [Fact]
    public async Task CodeOfAnotherClient_IsInvalidGrant()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(_public.ClientId, Redirect, _username, challenge);
        var other = await Server.AddPublicClientAsync(redirectUris: Redirect);

        var response = await ExchangeAsync(code, verifier, other.ClientId);

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task RedirectUriMismatchAtTheTokenEndpoint_IsInvalidGrant()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(_public.ClientId, Redirect, _username, challenge);

        var response = await ExchangeAsync(code, verifier, _public.ClientId, redirectUri: Redirect + "/");

        await OAuthFlow.AssertOAuthErrorAsync(response, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task WrongVerifier_IsInvalidGrant_AndMissingVerifier_IsInvalidRequest()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(_public.ClientId, Redirect, _username, challenge);

        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(code, OAuthFlow.NewPkce().Verifier, _public.ClientId), HttpStatusCode.BadRequest, "invalid_grant");
        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(code, null, _public.ClientId), HttpStatusCode.BadRequest, "invalid_request");

        // Failed attempts do not spend the code: the right verifier still works.
        await TokenSupport.ReadTokenResponseAsync(await ExchangeAsync(code, verifier, _public.ClientId));
    }

    [Fact]
    public async Task VerifierWithoutAChallengeInTheRequest_IsADowngrade_AndRefused()
    {
        var (client, secret) = await Server.AddConfidentialClientAsync();
        var response = await Flow.SignInAsync(
            OAuthFlow.AuthorizeQuery(("response_type", "code"), ("client_id", client.ClientId), ("redirect_uri", client.RedirectUris[0]), ("scope", "read")),
            _username,
            LocalServer.Password);
        var code = OAuthFlow.RedirectParameters(response)["code"];

        var token = await Flow.PostTokenAsync(
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", client.RedirectUris[0]), ("code_verifier", OAuthFlow.NewPkce().Verifier)],
            (client.ClientId, secret));

        await OAuthFlow.AssertOAuthErrorAsync(token, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task ReusedCode_IsInvalidGrant_AndRevokesWhatTheCodeIssued()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(_public.ClientId, Redirect, _username, challenge);
        var (accessToken, refreshToken, _) = await TokenSupport.ReadTokenResponseAsync(await ExchangeAsync(code, verifier, _public.ClientId));
        Assert.Equal(HttpStatusCode.OK, (await Flow.GetResourceAsync(accessToken)).StatusCode);

        var replay = await ExchangeAsync(code, verifier, _public.ClientId);

        await OAuthFlow.AssertOAuthErrorAsync(replay, HttpStatusCode.BadRequest, "invalid_grant");
        var resource = await Flow.GetResourceAsync(accessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, resource.StatusCode);
        Assert.Contains("invalid_token", resource.Headers.WwwAuthenticate.ToString());
        var refresh = await Flow.PostTokenAsync([("grant_type", "refresh_token"), ("refresh_token", refreshToken!), ("client_id", _public.ClientId)]);
        await OAuthFlow.AssertOAuthErrorAsync(refresh, HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task TwentyConcurrentRedemptions_ExactlyOneGetsATokens()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(_public.ClientId, Redirect, _username, challenge);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ExchangeAsync(code, verifier, _public.ClientId)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        foreach (var failed in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            await OAuthFlow.AssertOAuthErrorAsync(failed, HttpStatusCode.BadRequest, "invalid_grant");
        }
    }

    [Fact]
    public async Task ExpiredCode_IsInvalidGrant()
    {
        var (verifier, challenge) = OAuthFlow.NewPkce();
        var code = await Flow.GetCodeAsync(_public.ClientId, Redirect, _username, challenge);

        Server.Clock.Advance(TimeSpan.FromSeconds(61));

        await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(code, verifier, _public.ClientId), HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task UnknownAndMalformedCodes_AreInvalidGrant()
    {
        foreach (var code in new[] { "nonsense", "abc.def", OAuthFlow.NewPkce().Verifier, new string('a', 5000) })
        {
            await OAuthFlow.AssertOAuthErrorAsync(await ExchangeAsync(code, OAuthFlow.NewPkce().Verifier, _public.ClientId), HttpStatusCode.BadRequest,
                code.Length > 4096 ? "invalid_request" : "invalid_grant");
        }
    }
}
