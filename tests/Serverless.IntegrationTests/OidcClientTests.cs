using System.Security.Claims;
using Duende.IdentityModel.OidcClient;
using Duende.IdentityModel.OidcClient.Browser;
using Duende.IdentityModel.OidcClient.Results;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.IntegrationTests;

/// <summary>
/// A relying party this project did not write: Duende.IdentityModel.OidcClient, the certified native-app client,
/// signs in against the local host with PKCE, a nonce and state, discovers the endpoints and keys, validates the ID
/// token (signature against the JWKS, iss, aud, nonce, at_hash), reads UserInfo, and refreshes. OidcClient leaves the
/// signature check to a pluggable validator (its JWT one ships in a package not served here), so the test plugs in
/// Microsoft.IdentityModel with the keys OidcClient itself discovered; the nonce, at_hash and state are OidcClient's.
/// </summary>
public sealed class OidcClientTests : LocalServerTest
{
    private const string Redirect = "http://127.0.0.1:9/oidc-client-callback";

    protected override Task<LocalServer> StartServerAsync() => LocalServer.StartAsync(clock: ManualClock.Running());

    [Fact]
    public async Task OidcClient_SignsIn_ValidatesTheIdToken_ReadsUserInfo_AndRefreshes()
    {
        var client = await Server.AddRelyingPartyAsync(Redirect);
        var user = await Server.AddUserAsync();
        Assert.True(await Server.Get<Serverless.OAuth.Identity.Users.IUserStore>().SetProfileAsync(
            user.Username, "Katherine Johnson", "katherine@example.com", emailVerified: true, DateTimeOffset.UtcNow));
        var oidc = new OidcClient(new OidcClientOptions
        {
            Authority = Server.Issuer,
            ClientId = client.ClientId,
            RedirectUri = Redirect,
            Scope = "openid profile email offline_access",
            Browser = new SigningInBrowser(new OAuthFlow(Server), user.Username),
            IdentityTokenValidator = new DiscoveredKeysValidator(),
            Policy = { RequireAccessTokenHash = true, RequireIdentityTokenOnRefreshTokenResponse = true },
        });

        var login = await oidc.LoginAsync();

        Assert.False(login.IsError, login.Error + " " + login.ErrorDescription);
        Assert.Equal(user.Subject, login.User.FindFirst("sub")?.Value);
        Assert.Equal("Katherine Johnson", login.User.FindFirst("name")?.Value);
        Assert.Equal("katherine@example.com", login.User.FindFirst("email")?.Value);
        Assert.Equal(user.Username, login.User.FindFirst("preferred_username")?.Value);
        Assert.NotNull(login.RefreshToken);

        var refreshed = await oidc.RefreshTokenAsync(login.RefreshToken);

        Assert.False(refreshed.IsError, refreshed.Error + " " + refreshed.ErrorDescription);
        Assert.NotNull(refreshed.IdentityToken);
        Assert.NotEqual(login.RefreshToken, refreshed.RefreshToken);
    }

    [Fact]
    public async Task OidcClient_SeesTheDenial_AsAnError()
    {
        var client = await Server.AddRelyingPartyAsync(Redirect);
        var user = await Server.AddUserAsync();
        var oidc = new OidcClient(new OidcClientOptions
        {
            Authority = Server.Issuer,
            ClientId = client.ClientId,
            RedirectUri = Redirect,
            Scope = "openid",
            Browser = new SigningInBrowser(new OAuthFlow(Server), user.Username, decision: "deny"),
            IdentityTokenValidator = new DiscoveredKeysValidator(),
        });

        var login = await oidc.LoginAsync();

        Assert.True(login.IsError);
        Assert.Equal("access_denied", login.Error);
    }

    /// <summary>Checks the ID token's signature against the JWKS OidcClient discovered, and its iss, aud, typ and lifetime.</summary>
    private sealed class DiscoveredKeysValidator : IIdentityTokenValidator
    {
        public async Task<IdentityTokenValidationResult> ValidateAsync(string identityToken, OidcClientOptions options, CancellationToken cancellationToken = default)
        {
            var provider = options.ProviderInformation;
            var result = await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(identityToken, new TokenValidationParameters
            {
                ValidIssuer = provider.IssuerName,
                ValidAudience = options.ClientId,
                ValidTypes = ["JWT"],
                IssuerSigningKeys = new JsonWebKeySet(provider.KeySet.RawData).GetSigningKeys(),
                NameClaimType = "name",
            });
            return result.IsValid
                ? new IdentityTokenValidationResult { User = new ClaimsPrincipal(result.ClaimsIdentity), SignatureAlgorithm = ((JsonWebToken)result.SecurityToken).Alg }
                : new IdentityTokenValidationResult { Error = "invalid_id_token: " + result.Exception?.Message };
        }
    }

    /// <summary>The browser step over HTTP: the login page's form is posted as a person would, and the redirect to the app is the result.</summary>
    private sealed class SigningInBrowser(OAuthFlow flow, string username, string decision = "allow") : IBrowser
    {
        public async Task<BrowserResult> InvokeAsync(BrowserOptions options, CancellationToken cancellationToken = default)
        {
            var redirect = await flow.SignInAsync(options.StartUrl, username, LocalServer.Password, decision);
            var location = redirect.Headers.Location?.ToString();
            return location is not null && location.StartsWith(options.EndUrl, StringComparison.Ordinal)
                ? new BrowserResult { ResultType = BrowserResultType.Success, Response = location }
                : new BrowserResult { ResultType = BrowserResultType.UnknownError, Error = $"No redirect to the app: {(int)redirect.StatusCode}" };
        }
    }
}
