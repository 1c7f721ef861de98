using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Identity.Upstream;

/// <summary>
/// One configured upstream OpenID Provider (any issuer, or Microsoft Entra ID) as a relying party sees it: its
/// metadata and keys through Microsoft.IdentityModel's <see cref="ConfigurationManager{T}"/> (cached, refreshed, last
/// known good kept), the authorization request it is sent (code flow, PKCE S256, state, nonce), the code redeemed at its
/// token endpoint, and the ID token validated as OpenID Connect Core §3.1.3.7 says: signature by the provider's keys,
/// issuer, audience (our client id), expiry, nonce. For Entra's multi-tenant endpoints the issuer is the
/// "{tenantid}" template, filled in with the token's own tid, and the tenant must be one the operator allowed.
/// </summary>
public sealed class UpstreamProvider
{
    public const string TenantTemplate = "{tenantid}";

    /// <summary>The assertion audience of a managed identity that is a federated identity credential of an Entra app.</summary>
    public const string TokenExchangeScope = "api://AzureADTokenExchange/.default";

    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(2);

    private static readonly JsonWebTokenHandler Tokens = new() { MapInboundClaims = false };

    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _configuration;
    private readonly HttpClient _http;
    private readonly TokenCredential? _assertionCredential;
    private readonly TimeProvider _clock;

    public UpstreamProvider(string name, UpstreamProviderOptions options, HttpClient http, TimeProvider clock, TokenCredential? assertionCredential = null)
    {
        Name = name;
        Options = options;
        _http = http;
        _clock = clock;
        _assertionCredential = assertionCredential;
        if (options.Kind == UpstreamKind.GitHub)
        {
            return;
        }

        var metadata = options.MetadataAddress;

        // https always, except a provider on this very machine (a developer's or a test's): never a switch to turn it off.
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(
            metadata.AbsoluteUri,
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(http) { RequireHttps = !metadata.IsLoopback });
    }

    public string Name { get; }

    public UpstreamProviderOptions Options { get; }

    public string DisplayName => Options.DisplayName ?? Options.Kind switch
    {
        UpstreamKind.Entra => "Microsoft",
        UpstreamKind.GitHub => "GitHub",
        _ => Name,
    };

    /// <summary>The provider's metadata; a provider that cannot be reached is a <see cref="DependencyUnavailableException"/> (503).</summary>
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancellationToken)
    {
        if (_configuration is null)
        {
            // GitHub has no discovery: its documented endpoints (docs.github.com, "Authorizing OAuth apps").
            var host = Options.GitHubHost.TrimEnd('/');
            return new OpenIdConnectConfiguration
            {
                Issuer = host,
                AuthorizationEndpoint = host + "/login/oauth/authorize",
                TokenEndpoint = host + "/login/oauth/access_token",
            };
        }

        try
        {
            return await _configuration.GetConfigurationAsync(cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is InvalidOperationException or HttpRequestException or IOException or TaskCanceledException)
        {
            throw new DependencyUnavailableException($"Identity provider {Name}", e);
        }
    }

    /// <summary>
    /// The origins the sign-in page's form may end up at (its Content-Security-Policy form-action): the issuer's (or
    /// the Entra instance's), and the authorization endpoint's once the metadata has been read.
    /// </summary>
    public IEnumerable<string> FormTargets()
    {
        var address = Options.Kind switch { UpstreamKind.Entra => Options.Instance, UpstreamKind.GitHub => Options.GitHubHost, _ => Options.Issuer! };
        yield return new Uri(address).GetLeftPart(UriPartial.Authority);
        if (_configuration?.LastKnownGoodConfiguration is OpenIdConnectConfiguration { AuthorizationEndpoint: { } endpoint }
            && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            yield return uri.GetLeftPart(UriPartial.Authority);
        }
    }

    /// <summary>The issuer this provider's tokens carry, when it does not depend on the user's tenant.</summary>
    public static bool IsTemplated(OpenIdConnectConfiguration configuration) =>
        configuration.Issuer.Contains(TenantTemplate, StringComparison.OrdinalIgnoreCase);

    /// <summary>The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OpenID Connect Core §3.1.2.1).</summary>
    public string AuthorizationUrl(OpenIdConnectConfiguration configuration, string redirectUri, UpstreamAttempt attempt, UpstreamHints hints)
    {
        var endpoint = configuration.AuthorizationEndpoint;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && !uri.IsLoopback))
        {
            throw new DependencyUnavailableException($"Identity provider {Name} (its metadata has no usable authorization_endpoint)");
        }

        return RedirectQuery.Build(
            endpoint,
            ("response_type", "code"),
            ("client_id", Options.ClientId),
            ("redirect_uri", redirectUri),
            ("scope", Options.EffectiveScope),
            ("state", attempt.State),
            ("nonce", Options.Kind == UpstreamKind.GitHub ? null : attempt.Nonce),
            ("code_challenge", attempt.CodeChallenge),
            ("code_challenge_method", Pkce.S256),
            (Options.Kind == UpstreamKind.GitHub ? "login" : "login_hint", hints.LoginHint),
            ("prompt", hints.ForceLogin ? (Options.Kind == UpstreamKind.GitHub ? "select_account" : "login") : null),
            ("max_age", hints.MaxAge is { } maxAge ? ((long)maxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) : null),
            ("domain_hint", Options.Kind == UpstreamKind.Entra ? hints.DomainHint : null));
    }

    /// <summary>
    /// RFC 9207 §2.4: an "iss" in the authorization response must be this provider's issuer, and one that says it
    /// always sends it must have sent it. The answer for a templated (Entra multi-tenant) issuer is checked against the
    /// ID token's own issuer once that is validated.
    /// </summary>
    public static string? IssuerParameterProblem(OpenIdConnectConfiguration configuration, string? iss)
    {
        if (iss is null)
        {
            return configuration.AdditionalData.TryGetValue("authorization_response_iss_parameter_supported", out var supported) && supported is true
                ? "The identity provider's answer has no issuer, which it always sends."
                : null;
        }

        return IsTemplated(configuration) || iss == configuration.Issuer ? null : "The answer came from another identity provider than the one asked.";
    }

    /// <summary>
    /// Redeems the code (RFC 6749 §4.1.3) and validates the ID token. An unreachable provider or a 5xx is a
    /// <see cref="DependencyUnavailableException"/>; a refusal or an invalid token is the error to answer.
    /// </summary>
    public async Task<OAuthResult<UpstreamIdentity>> RedeemAsync(
        OpenIdConnectConfiguration configuration, string code, string redirectUri, UpstreamAttempt attempt, string? issParameter, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(configuration.TokenEndpoint, UriKind.Absolute, out var tokenEndpoint) || (tokenEndpoint.Scheme != Uri.UriSchemeHttps && !tokenEndpoint.IsLoopback))
        {
            throw new DependencyUnavailableException($"Identity provider {Name} (its metadata has no usable token_endpoint)");
        }

        var fields = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "authorization_code"),
            new("code", code),
            new("redirect_uri", redirectUri),
            new("code_verifier", attempt.CodeVerifier),
            new("client_id", Options.ClientId!),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_assertionCredential is not null)
        {
            // Entra's federated identity credential: the managed identity's token is the client assertion (RFC 7523 §2.2).
            var assertion = await _assertionCredential.GetTokenAsync(new TokenRequestContext([TokenExchangeScope]), cancellationToken);
            fields.Add(new("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
            fields.Add(new("client_assertion", assertion.Token));
        }
        else if (UsesBasicAuthentication(configuration))
        {
            // RFC 6749 §2.3.1: both parts form-encoded before the Basic encoding.
            var credentials = Uri.EscapeDataString(Options.ClientId!) + ":" + Uri.EscapeDataString(Options.ClientSecret!);
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }
        else
        {
            fields.Add(new("client_secret", Options.ClientSecret!));
        }

        request.Content = new FormUrlEncodedContent(fields);
        using var response = await _http.SendAsync(request, cancellationToken);
        if ((int)response.StatusCode >= 500)
        {
            throw new DependencyUnavailableException($"Identity provider {Name} (token endpoint {(int)response.StatusCode})");
        }

        JsonDocument body;
        try
        {
            body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken));
        }
        catch (JsonException)
        {
            return OAuthError.AccessDenied($"{DisplayName} gave an answer this server cannot read.");
        }

        using (body)
        {
            if (response.StatusCode != HttpStatusCode.OK || body.RootElement.ValueKind != JsonValueKind.Object)
            {
                // The provider's error code only: its description may quote what was sent.
                var error = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String
                    ? e.GetString()
                    : null;
                return OAuthError.AccessDenied($"{DisplayName} refused to complete the sign-in ({Safe(error) ?? "no reason given"}).");
            }

            // GitHub answers a refused code with 200 and an "error" field.
            if (body.RootElement.TryGetProperty("error", out var refused) && refused.ValueKind == JsonValueKind.String)
            {
                return OAuthError.AccessDenied($"{DisplayName} refused to complete the sign-in ({Safe(refused.GetString()) ?? "no reason given"}).");
            }

            if (Options.Kind == UpstreamKind.GitHub)
            {
                return body.RootElement.TryGetProperty("access_token", out var accessToken) && accessToken.ValueKind == JsonValueKind.String
                    ? await GitHubIdentityAsync(accessToken.GetString()!, cancellationToken)
                    : OAuthError.AccessDenied($"{DisplayName} did not complete the sign-in (no access token).");
            }

            if (!body.RootElement.TryGetProperty("id_token", out var idToken) || idToken.ValueKind != JsonValueKind.String)
            {
                return OAuthError.AccessDenied($"{DisplayName} did not say who signed in (no ID token).");
            }

            return await ValidateIdTokenAsync(configuration, idToken.GetString()!, attempt.Nonce, issParameter);
        }
    }

    /// <summary>OpenID Connect Core §3.1.3.7, and for Entra the tenant rules; the identity, or why it is refused.</summary>
    public async Task<OAuthResult<UpstreamIdentity>> ValidateIdTokenAsync(OpenIdConnectConfiguration configuration, string idToken, string nonce, string? issParameter)
    {
        var result = await Tokens.ValidateTokenAsync(idToken, Parameters(configuration));
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The provider may have rolled its keys since they were read: read them again once (the manager limits how often).
            _configuration?.RequestRefresh();
            var refreshed = await GetConfigurationAsync(CancellationToken.None);
            result = await Tokens.ValidateTokenAsync(idToken, Parameters(refreshed));
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken token)
        {
            return OAuthError.AccessDenied($"The sign-in at {DisplayName} could not be verified ({Reason(result.Exception)}).");
        }

        if (!token.TryGetPayloadValue<string>("nonce", out var tokenNonce) || !SecretValues.FixedTimeEquals(tokenNonce, nonce))
        {
            return OAuthError.AccessDenied($"The sign-in at {DisplayName} could not be verified (it was not the answer to this sign-in).");
        }

        if (issParameter is not null && issParameter != token.Issuer)
        {
            return OAuthError.AccessDenied($"The sign-in at {DisplayName} could not be verified (the answer came from another identity provider).");
        }

        string key;
        string? tenant = null;
        if (Options.Kind == UpstreamKind.Entra)
        {
            token.TryGetPayloadValue<string>("tid", out tenant);
            if (!Options.AllowsTenant(tenant))
            {
                return OAuthError.AccessDenied($"Your organisation's {DisplayName} accounts cannot sign in here. Use an account of an allowed organisation.")
                    with { Uri = null };
            }

            // The object id in the tenant is the user's immutable identifier; sub is pairwise per app and email/upn can be reassigned.
            if (!token.TryGetPayloadValue<string>("oid", out var oid) || string.IsNullOrEmpty(oid))
            {
                return OAuthError.AccessDenied($"The sign-in at {DisplayName} could not be verified (no object id).");
            }

            key = tenant!.ToLowerInvariant() + "/" + oid.ToLowerInvariant();
        }
        else
        {
            key = token.Issuer + "|" + token.Subject;
        }

        token.TryGetPayloadValue<string>("name", out var name);
        token.TryGetPayloadValue<string>("email", out var email);
        token.TryGetPayloadValue<string>("preferred_username", out var preferred);
        var verified = token.TryGetPayloadValue<bool>("email_verified", out var v) && v;
        return new UpstreamIdentity(Name, key)
        {
            Name = Safe(name, 256),
            Email = Safe(email, 256),
            EmailVerified = verified && email is not null,
            TenantId = tenant,
            Amr = AuthenticationMethods(token, Options.MultiFactorAcrValues),
            Label = Safe(email, 256) ?? Safe(preferred, 256) ?? Safe(name, 256),
        };
    }

    /// <summary>
    /// GitHub's user (GET /user: the numeric id, the key, since a login can be renamed and reclaimed) and, with
    /// user:email, its addresses (GET /user/emails: only a primary, verified one counts). The token is used for these
    /// two reads and forgotten.
    /// </summary>
    private async Task<OAuthResult<UpstreamIdentity>> GitHubIdentityAsync(string accessToken, CancellationToken cancellationToken)
    {
        using var user = await GitHubGetAsync("user", accessToken, cancellationToken);
        if (user is null || !user.RootElement.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var userId))
        {
            return OAuthError.AccessDenied($"{DisplayName} did not say who signed in.");
        }

        string? email = null;
        using (var emails = await GitHubGetAsync("user/emails", accessToken, cancellationToken))
        {
            if (emails?.RootElement.ValueKind == JsonValueKind.Array)
            {
                email = emails.RootElement.EnumerateArray()
                    .Where(e => e.ValueKind == JsonValueKind.Object
                        && e.TryGetProperty("primary", out var primary) && primary.ValueKind == JsonValueKind.True
                        && e.TryGetProperty("verified", out var verified) && verified.ValueKind == JsonValueKind.True
                        && e.TryGetProperty("email", out var address) && address.ValueKind == JsonValueKind.String)
                    .Select(e => Safe(e.GetProperty("email").GetString(), 256))
                    .FirstOrDefault();
            }
        }

        var name = user.RootElement.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? Safe(n.GetString(), 256) : null;
        var login = user.RootElement.TryGetProperty("login", out var l) && l.ValueKind == JsonValueKind.String ? Safe(l.GetString()) : null;
        return new UpstreamIdentity(Name, "github|" + userId.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            Name = name ?? login,
            Email = email,
            EmailVerified = email is not null,
            Label = email ?? login,
        };
    }

    /// <summary>A GitHub API read; null when it is refused (e.g. no user:email scope); a 5xx is a 503.</summary>
    private async Task<JsonDocument?> GitHubGetAsync(string path, string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(Options.GitHubApi.TrimEnd('/') + "/"), path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.Add("X-GitHub-Api-Version", "2022-11-28");
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Serverless.OAuth", "1.0"));
        using var response = await _http.SendAsync(request, cancellationToken);
        if ((int)response.StatusCode >= 500)
        {
            throw new DependencyUnavailableException($"Identity provider {Name} (API {(int)response.StatusCode})");
        }

        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration) => new()
    {
        ValidAudience = Options.ClientId,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidateIssuerSigningKey = true,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        // The server's clock, not the machine's: expiry is tested without waiting.
        LifetimeValidator = (notBefore, expires, _, _) =>
        {
            var now = _clock.GetUtcNow().UtcDateTime;
            return expires is { } end && now < end.ToUniversalTime() + Skew && (notBefore is not { } start || start.ToUniversalTime() - Skew <= now)
                ? true
                : throw new SecurityTokenExpiredException("The ID token is outside its lifetime.");
        },
        ValidIssuer = IsTemplated(configuration) ? null : configuration.Issuer,
        IssuerValidator = IsTemplated(configuration) ? TemplatedIssuer(configuration.Issuer) : null,
    };

    /// <summary>Entra's multi-tenant issuer: the template with the token's own tid must be the token's iss.</summary>
    private static IssuerValidator TemplatedIssuer(string template) => (issuer, token, parameters) =>
    {
        var tenant = token is JsonWebToken jwt && jwt.TryGetPayloadValue<string>("tid", out var tid) && Guid.TryParse(tid, out _) ? tid : null;
        if (tenant is null || !string.Equals(issuer, template.Replace(TenantTemplate, tenant, StringComparison.OrdinalIgnoreCase), StringComparison.Ordinal))
        {
            throw new SecurityTokenInvalidIssuerException("The issuer is not the template filled in with the token's tenant.");
        }

        return issuer;
    };

    private bool UsesBasicAuthentication(OpenIdConnectConfiguration configuration) =>
        Options.Kind == UpstreamKind.OpenIdConnect && configuration.TokenEndpointAuthMethodsSupported.Count > 0
            && !configuration.TokenEndpointAuthMethodsSupported.Contains("client_secret_post");

    /// <summary>
    /// "acr" values that name multi-factor authentication whoever sends them: the PAPE multi-factor policies (OpenID
    /// Provider Authentication Policy Extension 1.0 §4) and the REFEDS MFA profile. A provider's own are added by
    /// <see cref="UpstreamProviderOptions.MultiFactorAcrValues"/>.
    /// </summary>
    public static IReadOnlySet<string> MultiFactorAcrs { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
        "http://schemas.openid.net/pape/policies/2007/06/multi-factor-physical",
        "https://refeds.org/profile/mfa",
    };

    /// <summary>
    /// The RFC 8176 methods the provider names (a short list, each a plain token; others are dropped), and "mfa" when its
    /// "acr" (OpenID Connect Core §2) is one that means multi-factor. The acr itself is not passed on: this server's ID
    /// tokens say how the user signed in with amr only (see docs/upstream-sign-in.md).
    /// </summary>
    public static IReadOnlyList<string> AuthenticationMethods(JsonWebToken token, IReadOnlyCollection<string> multiFactorAcrs)
    {
        var methods = token.TryGetPayloadValue<string[]>("amr", out var amr) && amr is not null
            ? amr.Where(value => value is { Length: > 0 and <= 16 } && value.All(char.IsAsciiLetterOrDigit)).Distinct(StringComparer.Ordinal).Take(8).ToList()
            : new List<string>();
        if (token.TryGetPayloadValue<string>("acr", out var acr) && acr is not null
            && (MultiFactorAcrs.Contains(acr) || multiFactorAcrs.Contains(acr, StringComparer.Ordinal)) && !methods.Contains("mfa"))
        {
            methods.Add("mfa");
        }

        return methods;
    }

    private static string Reason(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "it has expired",
        SecurityTokenInvalidAudienceException => "it was issued to another application",
        SecurityTokenInvalidIssuerException => "it was issued by another identity provider",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "its signature is not the provider's",
        SecurityTokenNotYetValidException => "it is not valid yet",
        _ => "it is not a valid ID token",
    };

    /// <summary>A value from the provider, fit to show or store: printable, bounded.</summary>
    private static string? Safe(string? value, int max = 64) =>
        value is { Length: > 0 } && value.Length <= max && !value.Any(char.IsControl) ? value : null;

    /// <summary>PKCE's S256 challenge of a verifier (RFC 7636 §4.2).</summary>
    public static string Challenge(string verifier) => Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
}

/// <summary>What the client's request says about the user, passed on to the provider where it has a meaning there.</summary>
public sealed record UpstreamHints(string? LoginHint, bool ForceLogin, TimeSpan? MaxAge, string? DomainHint);
