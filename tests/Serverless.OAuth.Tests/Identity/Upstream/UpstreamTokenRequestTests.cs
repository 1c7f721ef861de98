using System.Net;
using System.Security.Cryptography;
using Azure.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Upstream;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Identity.Upstream;

/// <summary>
/// The code redeemed at the provider's token endpoint (RFC 6749 §4.1.3): with PKCE's verifier, and the client
/// authenticated by a secret or, for Entra in Azure, by the managed identity's token for api://AzureADTokenExchange as
/// a client assertion (RFC 7523 §2.2), with no secret at all. A provider that fails is a 503; one that refuses is
/// access_denied without its own words.
/// </summary>
public sealed class UpstreamTokenRequestTests
{
    private const string Tenant = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
    private const string Issuer = "https://login.example/" + Tenant + "/v2.0";
    private static readonly ECDsa Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly UpstreamAttempt _attempt = UpstreamAttempt.New();

    private static OpenIdConnectConfiguration Configuration()
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = Issuer, TokenEndpoint = "https://login.example/token" };
        configuration.SigningKeys.Add(new ECDsaSecurityKey(Key) { KeyId = "k1" });
        return configuration;
    }

    private string IdToken() => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = "app",
        Expires = _clock.GetUtcNow().UtcDateTime.AddMinutes(5),
        NotBefore = _clock.GetUtcNow().UtcDateTime,
        Claims = new Dictionary<string, object> { ["sub"] = "s", ["tid"] = Tenant, ["oid"] = "0000aaaa-0000-4000-8000-000000000001", ["nonce"] = _attempt.Nonce },
        SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(Key) { KeyId = "k1" }, SecurityAlgorithms.EcdsaSha256),
    });

    private (UpstreamProvider Provider, TokenEndpoint Endpoint, AssertionCredential Credential) Entra(bool managedIdentity, HttpStatusCode status = HttpStatusCode.OK, string? body = null)
    {
        var endpoint = new TokenEndpoint(status, body ?? $$"""{"access_token":"at","token_type":"Bearer","id_token":"{{IdToken()}}"}""");
        var credential = new AssertionCredential();
        var options = new UpstreamProviderOptions
        {
            Kind = UpstreamKind.Entra, Instance = "https://login.example/", Tenant = Tenant, ClientId = "app",
            ClientSecret = managedIdentity ? null : "the-secret", ManagedIdentityClientId = managedIdentity ? "mi-client-id" : null,
        };
        return (new UpstreamProvider("entra", options, new HttpClient(endpoint), _clock, managedIdentity ? credential : null), endpoint, credential);
    }

    [Fact]
    public async Task WithTheManagedIdentity_TheClientAssertionIsItsExchangeToken_AndNoSecretIsSent()
    {
        var (provider, endpoint, credential) = Entra(managedIdentity: true);

        var (identity, error) = await provider.RedeemAsync(Configuration(), "the-code", "https://us.example/signin/entra/callback", _attempt, null, default);

        Assert.Null(error);
        Assert.Equal($"{Tenant}/0000aaaa-0000-4000-8000-000000000001", identity!.StableKey);
        Assert.Equal(["api://AzureADTokenExchange/.default"], credential.Scopes);
        var form = endpoint.Form!;
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"]);
        Assert.Equal(AssertionCredential.Token, form["client_assertion"]);
        Assert.False(form.ContainsKey("client_secret"));
        Assert.Null(endpoint.Authorization);
        Assert.Equal(_attempt.CodeVerifier, form["code_verifier"]);
        Assert.Equal("the-code", form["code"]);
        Assert.Equal("https://us.example/signin/entra/callback", form["redirect_uri"]);
    }

    [Fact]
    public async Task WithASecret_ItIsPostedInTheBody()
    {
        var (provider, endpoint, _) = Entra(managedIdentity: false);

        Assert.True((await provider.RedeemAsync(Configuration(), "c", "https://us.example/cb", _attempt, null, default)).Succeeded);
        Assert.Equal("the-secret", endpoint.Form!["client_secret"]);
        Assert.False(endpoint.Form.ContainsKey("client_assertion"));
    }

    [Fact]
    public async Task AProviderThatFails_Is503_AndOneThatRefuses_IsAccessDenied_WithoutItsOwnWords()
    {
        var (failing, _, _) = Entra(managedIdentity: false, HttpStatusCode.BadGateway, "oops");
        await Assert.ThrowsAsync<DependencyUnavailableException>(() => failing.RedeemAsync(Configuration(), "c", "https://us.example/cb", _attempt, null, default));

        var (refusing, _, _) = Entra(managedIdentity: false, HttpStatusCode.BadRequest, """{"error":"invalid_grant","error_description":"AADSTS70008: <script>the code has expired"}""");
        var (_, error) = await refusing.RedeemAsync(Configuration(), "c", "https://us.example/cb", _attempt, null, default);
        Assert.Equal(OAuthErrorCodes.AccessDenied, error!.Error);
        Assert.Contains("invalid_grant", error.Description);
        Assert.DoesNotContain("AADSTS", error.Description);
    }

    private sealed class TokenEndpoint(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public Dictionary<string, string>? Form { get; private set; }

        public string? Authorization { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Form = QueryHelpers.ParseQuery(await request.Content!.ReadAsStringAsync(cancellationToken)).ToDictionary(p => p.Key, p => p.Value.ToString());
            Authorization = request.Headers.Authorization?.ToString();
            return new HttpResponseMessage(status) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        }
    }

    private sealed class AssertionCredential : TokenCredential
    {
        public const string Token = "managed-identity-exchange-token";

        public string[] Scopes { get; private set; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes = requestContext.Scopes;
            return ValueTask.FromResult(new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1)));
        }
    }
}
