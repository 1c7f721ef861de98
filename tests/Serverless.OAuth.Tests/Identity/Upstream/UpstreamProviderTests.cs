using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;
using Serverless.OAuth.Identity.Upstream;
using Serverless.Testing;

namespace Serverless.OAuth.Tests.Identity.Upstream;

/// <summary>
/// The ID token rules of OpenID Connect Core §3.1.3.7 and Entra's tenant rules, on tokens signed here: what a provider
/// we trust says is believed only when it is signed by its key, for our client, in its lifetime, for this sign-in
/// (nonce), by the issuer asked, and (Entra) from an allowed tenant, keyed by tid and oid.
/// </summary>
public sealed class UpstreamProviderTests : IDisposable
{
    private const string Issuer = "https://op.example";
    private const string Template = "https://login.example/{tenantid}/v2.0";
    private const string ClientId = "our-client";
    private const string TenantA = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
    private const string TenantB = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb";

    private static readonly ECDsa Key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly ECDsa OtherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly HttpClient _http = new();
    private readonly UpstreamAttempt _attempt = UpstreamAttempt.New();

    public void Dispose() => _http.Dispose();

    private static OpenIdConnectConfiguration Configuration(string issuer)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = issuer };
        configuration.SigningKeys.Add(new ECDsaSecurityKey(Key) { KeyId = "k1" });
        return configuration;
    }

    private UpstreamProvider Generic() =>
        new("generic", new UpstreamProviderOptions { Issuer = Issuer, ClientId = ClientId, ClientSecret = "s" }, _http, _clock);

    private UpstreamProvider Entra(string tenant = UpstreamProviderOptions.AnyOrganization, params string[] allowed) =>
        new("corp", new UpstreamProviderOptions
        {
            Kind = UpstreamKind.Entra, Instance = "https://login.example/", Tenant = tenant, AllowedTenants = [.. allowed], ClientId = ClientId, ClientSecret = "s",
        }, _http, _clock);

    private string Token(string issuer, Dictionary<string, object> claims, string audience = ClientId, ECDsa? key = null, TimeSpan? lifetime = null)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(5)),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key ?? Key) { KeyId = "k1" }, SecurityAlgorithms.EcdsaSha256),
        });
    }

    private Dictionary<string, object> GenericClaims(string? nonce = null) => new()
    {
        ["sub"] = "user-1", ["nonce"] = nonce ?? _attempt.Nonce, ["email"] = "a@example.com", ["email_verified"] = true, ["name"] = "A", ["amr"] = new[] { "pwd", "mfa" },
    };

    private Dictionary<string, object> EntraClaims(string tenant, string? oid = "0000aaaa-0000-4000-8000-000000000001") =>
        oid is null
            ? new() { ["sub"] = "pairwise", ["tid"] = tenant, ["nonce"] = _attempt.Nonce }
            : new() { ["sub"] = "pairwise", ["tid"] = tenant, ["oid"] = oid, ["nonce"] = _attempt.Nonce, ["email"] = "a@contoso.example" };

    [Fact]
    public async Task AValidToken_IsTheIdentity_KeyedByIssuerAndSub_WithItsProfileAndAmr()
    {
        var (identity, error) = await Generic().ValidateIdTokenAsync(Configuration(Issuer), Token(Issuer, GenericClaims()), _attempt.Nonce, Issuer);

        Assert.Null(error);
        Assert.Equal(Issuer + "|user-1", identity!.StableKey);
        Assert.Equal("a@example.com", identity.Email);
        Assert.True(identity.EmailVerified);
        Assert.Equal(["pwd", "mfa"], identity.Amr);
    }

    public static TheoryData<string> Refusals => ["nonce", "audience", "expired", "issuer", "signature", "iss parameter"];

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task ATokenThatIsWrongInAnyWay_IsAccessDenied(string wrong)
    {
        var token = wrong switch
        {
            "nonce" => Token(Issuer, GenericClaims(nonce: "another sign-in")),
            "audience" => Token(Issuer, GenericClaims(), audience: "another-client"),
            "expired" => Token(Issuer, GenericClaims(), lifetime: TimeSpan.FromMinutes(1)),
            "issuer" => Token("https://evil.example", GenericClaims()),
            "signature" => Token(Issuer, GenericClaims(), key: OtherKey),
            _ => Token(Issuer, GenericClaims()),
        };
        if (wrong == "expired")
        {
            _clock.Advance(TimeSpan.FromMinutes(10));
        }

        var (identity, error) = await Generic().ValidateIdTokenAsync(Configuration(Issuer), token, _attempt.Nonce, wrong == "iss parameter" ? "https://evil.example" : null);

        Assert.Null(identity);
        Assert.Equal(OAuthErrorCodes.AccessDenied, error!.Error);
    }

    [Fact]
    public async Task Entra_AnyOrganisation_FillsTheTemplateWithTheTokensTenant_AndKeysOnTidAndOid()
    {
        var (identity, error) = await Entra(allowed: TenantA).ValidateIdTokenAsync(
            Configuration(Template), Token($"https://login.example/{TenantA}/v2.0", EntraClaims(TenantA)), _attempt.Nonce, null);

        Assert.Null(error);
        Assert.Equal($"{TenantA}/0000aaaa-0000-4000-8000-000000000001", identity!.StableKey);
        Assert.Equal(TenantA, identity.TenantId);
        // Entra's email claim is not verified: it never counts as a verified address.
        Assert.False(identity.EmailVerified);
    }

    [Theory]
    [InlineData("issuer of another tenant")]
    [InlineData("tenant not allowed")]
    [InlineData("personal account")]
    [InlineData("no oid")]
    public async Task Entra_RefusesWhatTheTenantRulesDoNotAllow(string wrong)
    {
        var (issuerTenant, tokenTenant, allowed) = wrong switch
        {
            "issuer of another tenant" => (TenantB, TenantA, new[] { TenantA, TenantB }),
            "tenant not allowed" => (TenantB, TenantB, new[] { TenantA }),
            "personal account" => (UpstreamProviderOptions.PersonalAccountsTenant, UpstreamProviderOptions.PersonalAccountsTenant, Array.Empty<string>()),
            _ => (TenantA, TenantA, new[] { TenantA }),
        };
        var token = Token($"https://login.example/{issuerTenant}/v2.0", EntraClaims(tokenTenant, oid: wrong == "no oid" ? null : "0000aaaa-0000-4000-8000-000000000001"));

        var (identity, error) = await Entra(allowed: allowed).ValidateIdTokenAsync(Configuration(Template), token, _attempt.Nonce, null);

        Assert.Null(identity);
        Assert.Equal(OAuthErrorCodes.AccessDenied, error!.Error);
    }

    [Fact]
    public async Task Entra_SingleTenant_TakesOnlyItsOwnTenantsTokens()
    {
        var single = Entra(TenantA);
        var issuer = $"https://login.example/{TenantA}/v2.0";

        Assert.True((await single.ValidateIdTokenAsync(Configuration(issuer), Token(issuer, EntraClaims(TenantA)), _attempt.Nonce, null)).Succeeded);
        Assert.False((await single.ValidateIdTokenAsync(Configuration(issuer), Token(issuer, EntraClaims(TenantB)), _attempt.Nonce, null)).Succeeded);
    }

    [Fact]
    public void TheIssParameter_IsRequiredWhereTheProviderSaysItSendsIt_AndMustBeItsIssuer()
    {
        var configuration = Configuration(Issuer);
        Assert.Null(UpstreamProvider.IssuerParameterProblem(configuration, null));
        Assert.Null(UpstreamProvider.IssuerParameterProblem(configuration, Issuer));
        Assert.NotNull(UpstreamProvider.IssuerParameterProblem(configuration, "https://evil.example"));

        configuration.AdditionalData["authorization_response_iss_parameter_supported"] = true;
        Assert.NotNull(UpstreamProvider.IssuerParameterProblem(configuration, null));
    }

    [Fact]
    public void TheAttempt_DerivesVerifierAndNonceFromTheState_AndStoresNeither()
    {
        var attempt = UpstreamAttempt.New();

        Assert.Equal(attempt.CodeVerifier, new UpstreamAttempt(attempt.State).CodeVerifier);
        Assert.Equal(43, attempt.CodeVerifier.Length);
        Assert.NotEqual(attempt.Nonce, attempt.CodeVerifier);
        Assert.DoesNotContain(attempt.State, attempt.Key);
        Assert.NotEqual(attempt.Nonce, UpstreamAttempt.New().Nonce);
    }

    [Fact]
    public void TheAuthorizationRequest_CarriesPkceStateNonceAndTheHints()
    {
        var configuration = Configuration(Issuer);
        configuration.AuthorizationEndpoint = "https://op.example/authorize";

        var url = new Uri(Generic().AuthorizationUrl(configuration, "https://us.example/signin/generic/callback", _attempt, new UpstreamHints("a@example.com", true, TimeSpan.FromMinutes(5), null)));
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(url.Query);

        Assert.Equal(_attempt.State, query["state"]);
        Assert.Equal(_attempt.Nonce, query["nonce"]);
        Assert.Equal(_attempt.CodeChallenge, query["code_challenge"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal("login", query["prompt"]);
        Assert.Equal("300", query["max_age"]);
        Assert.Equal("a@example.com", query["login_hint"]);
        Assert.False(query.ContainsKey("code_verifier"));
    }
}
